// RFC 5321 4.1.2 paths as they appear after "MAIL FROM:" and "RCPT TO:":
// "<local@domain>", "<>" (null sender, MAIL only), quoted local parts
// ("<\"john doe\"@example.test>"), a source route ("<@a,@b:user@c>", RFC 5321
// 4.1.2 says accept and ignore it) and "<Postmaster>" (RCPT only, 4.5.1).
// UTF-8 local parts and domains (RFC 6531) are parsed and flagged; whether the
// transaction may carry them (SMTPUTF8) is the caller's decision.
// Limits (RFC 5321 4.5.3.1): local part 64, domain 255, path 256 octets with brackets.
#pragma once

#include <string>
#include <string_view>

#include "libmail/core/result.h"
#include "libmail/smtp/reply.h"

namespace tern::smtp {

inline constexpr std::size_t kMaxLocalPartOctets = 64;   // RFC 5321 4.5.3.1.1
inline constexpr std::size_t kMaxDomainOctets = 255;     // RFC 5321 4.5.3.1.2
inline constexpr std::size_t kMaxPathOctets = 256;       // RFC 5321 4.5.3.1.3, brackets included

enum class PathRole { Sender, Recipient };

struct Path {
    std::string address;     // as it goes into the envelope: local@domain ("" for <>); a quoted
                             // local part keeps its quotes
    std::string local_part;  // unquoted (quoted-pairs resolved)
    std::string domain;      // as given (case kept); "" for <> and <Postmaster>
    bool utf8 = false;       // non-ASCII (RFC 6531): needs MAIL FROM ... SMTPUTF8
    // Sender-specified routing in the local part ("user%remote", "remote!user",
    // "user@remote"): relaying in disguise unless the client is trusted.
    bool has_routing() const { return local_part.find_first_of("@%!") != std::string::npos; }
    bool is_null() const { return address.empty(); }
};

struct ParsedPath {
    Path path;
    std::string_view params;  // what follows '>', leading spaces skipped (ESMTP parameters)
};

// Parses the text after "FROM:" / "TO:". Spaces before '<' are tolerated (many
// clients send them). Errors are the reply to send: 501 5.1.7 (sender) or
// 501 5.1.3 (recipient) for bad syntax, 501 5.5.4 when the brackets are missing.
[[nodiscard]] Result<ParsedPath, Reply> parse_path(std::string_view text, PathRole role);

}  // namespace tern::smtp
