// The streaming DKIM signer (RFC 6376 5, RFC 8463): fed like the Verifier
// (header fields, then body chunks, LF line ends), it returns the
// DKIM-Signature fields to prepend, one per key (dual RSA + Ed25519
// signing). Always c=relaxed/relaxed, no l=. Memory: only the header fields
// it signs (at most kMaxSignedHeaderOctets) plus O(1) for the body.
#pragma once

#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"
#include "libmail/dkim/canon.h"
#include "libmail/dkim/crypto.h"

namespace tern::dkim {

inline constexpr std::size_t kMaxSignedHeaderOctets = 256 * 1024;
inline constexpr std::size_t kMaxPrivateKeyFileOctets = 64 * 1024;

struct SigningKey {
    std::string domain;     // d=
    std::string selector;   // s=
    KeyType type = KeyType::Rsa;
    PkeyPtr key;            // private key
    std::string path;       // where it was loaded from, for messages
};
using SigningKeyPtr = std::shared_ptr<const SigningKey>;

// Loads a PEM private key (RSA of at least 1024 bits, RFC 8301 3.2, or
// Ed25519). Errors name the file.
[[nodiscard]] Result<SigningKeyPtr> load_signing_key(const std::string& path, std::string_view domain,
                                                     std::string_view selector);

// The header fields signed when present (RFC 6376 5.4.1's list, trimmed to
// what a recipient sees); from, subject, to, date are also oversigned.
extern const std::vector<std::string_view> kSignedHeaderNames;

class Signer {
public:
    // The keys may also be given later (set_keys), e.g. once the From
    // address is known: only finish() needs them.
    explicit Signer(std::vector<SigningKeyPtr> keys = {});
    void set_keys(std::vector<SigningKeyPtr> keys) { keys_ = std::move(keys); }
    Signer(const Signer&) = delete;
    Signer& operator=(const Signer&) = delete;

    void header(std::string_view field);   // as Verifier::header
    void end_of_headers();
    // The address of the first From field (see from_address()), for
    // SigningTable::keys_for; empty when there is none.
    const std::string& from() const { return from_; }
    void body(std::string_view chunk);     // LF line ends
    void end_of_body();
    // The DKIM-Signature fields, each folded with LF line ends and ending in
    // LF, in key order, to prepend to the message; empty without keys.
    // Errors: no From field, the signed fields over their limit, an
    // OpenSSL failure.
    [[nodiscard]] Result<std::string> finish(std::time_t now);

private:
    std::vector<SigningKeyPtr> keys_;
    std::vector<std::string> fields_;   // only fields whose names are signed
    std::string from_;
    std::size_t header_octets_ = 0;
    bool overflow_ = false;
    BodyHasher body_{Canon::Relaxed, std::nullopt};
    std::string bh_;
};

}  // namespace tern::dkim
