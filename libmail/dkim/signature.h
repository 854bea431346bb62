// A parsed DKIM-Signature header field (RFC 6376 3.5), checked as RFC 6376
// 6.1.1 asks before any key is fetched. Used by the verifier. A field value
// is at most kMaxTagListOctets; errors carry a precise reason and whatever
// identity (d=, s=, a=) could be read, for the Authentication-Results line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"

namespace tern::dkim {

enum class Algorithm { RsaSha256, Ed25519Sha256 };
enum class Canon { Simple, Relaxed };

std::string_view algorithm_name(Algorithm a);  // "rsa-sha256", "ed25519-sha256"

struct Signature {
    Algorithm algorithm = Algorithm::RsaSha256;
    std::string algorithm_text;          // a= as written
    std::string b;                       // signature, decoded
    std::string b_text;                  // b= base64 without white space
    std::string bh;                      // body hash, decoded
    Canon header_canon = Canon::Simple;
    Canon body_canon = Canon::Simple;
    std::string domain;                  // d=, lower case
    std::string selector;                // s=, lower case
    std::vector<std::string> headers;    // h=, lower case, in order
    std::string identity;                // i=, or "@" + d= when absent
    std::optional<std::uint64_t> length;     // l=
    std::optional<std::int64_t> timestamp;   // t=
    std::optional<std::int64_t> expiration;  // x=
    // Offsets of b='s value in the field value (from after '=' to the ';' or
    // end): deleted, with its white space, when the field itself is hashed.
    std::size_t b_raw_begin = 0, b_raw_end = 0;
};

struct SignatureError {
    std::string reason;                  // "missing tag bh=", "i= not in d=", ...
    std::string domain, selector, algorithm, b_prefix;
};

// value: the field value after "DKIM-Signature:" (folded lines included).
// Errors (PERMFAIL in RFC 6376 terms): tag list syntax, v= not 1, a missing
// required tag (v a b bh d h s), an unknown a= or c=, a=rsa-sha1 (RFC 8301
// 3.1), q= without dns/txt, h= without from, i= outside d=, x= before t=,
// malformed numbers or base64.
[[nodiscard]] Result<Signature, SignatureError> parse_signature(std::string_view value);

// Whether name (case-insensitive) is the DKIM-Signature field.
bool is_signature_field(std::string_view name);

}  // namespace tern::dkim
