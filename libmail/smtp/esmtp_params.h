// ESMTP parameters smtpd offers. MAIL FROM: SIZE (RFC 1870), BODY=7BIT/
// 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), RET and ENVID (RFC 3461), AUTH=
// (RFC 4954 5, accepted and not trusted). RCPT TO: NOTIFY and ORCPT (RFC 3461).
// Anything else is refused with 555 5.5.4 (RFC 5321 4.1.1.11); each keyword
// may appear once. xtext values (ENVID, ORCPT) are checked and kept encoded,
// as they travel on to the next MTA and into the DSN.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libmail/core/result.h"
#include "libmail/smtp/reply.h"

namespace tern::smtp {

enum class BodyType { Unspecified, SevenBit, EightBitMime };
enum class DsnRet { Unspecified, Full, Headers };

inline constexpr std::size_t kMaxEnvidOctets = 100;   // RFC 3461 4.4
inline constexpr std::size_t kMaxOrcptOctets = 500;   // RFC 3461 4.2: address + type + xtext growth

struct MailParams {
    std::optional<std::uint64_t> size;   // SIZE=n as declared by the client
    BodyType body = BodyType::Unspecified;
    bool smtputf8 = false;
    DsnRet ret = DsnRet::Unspecified;
    std::string envid;                   // xtext, as given
};

struct RcptParams {
    std::uint8_t notify = 0;             // queue::NotifyBits; 0 = not given
    std::string orcpt;                   // "rfc822;xtext" (or "utf-8;..."), as given
};

// True when s is valid xtext (RFC 3461 4): "+" two upper-case hex digits, or
// a printable ASCII character other than "+" and "=".
bool is_xtext(std::string_view s);
// The decoded text of valid xtext (for DSNs and logs).
std::string decode_xtext(std::string_view s);

// Parses the space-separated "KEY=VALUE" list after MAIL FROM:<...>.
[[nodiscard]] Result<MailParams, Reply> parse_mail_params(std::string_view params);
// Parses the list after RCPT TO:<...>.
[[nodiscard]] Result<RcptParams, Reply> parse_rcpt_params(std::string_view params);

}  // namespace tern::smtp
