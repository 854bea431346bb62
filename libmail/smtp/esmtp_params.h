// ESMTP parameters of MAIL FROM that smtpd offers: SIZE (RFC 1870) and
// BODY=7BIT/8BITMIME (RFC 6152). Anything else is refused with 555 5.5.4
// (RFC 5321 4.1.1.11) until the extension is offered. RCPT TO takes none yet.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "libmail/core/result.h"
#include "libmail/smtp/reply.h"

namespace tern::smtp {

enum class BodyType { Unspecified, SevenBit, EightBitMime };

struct MailParams {
    std::optional<std::uint64_t> size;   // SIZE=n as declared by the client
    BodyType body = BodyType::Unspecified;
};

// Parses the space-separated "KEY=VALUE" list after MAIL FROM:<...>. Keywords
// are case-insensitive; each may appear once.
[[nodiscard]] Result<MailParams, Reply> parse_mail_params(std::string_view params);
// RCPT TO parameters: none is supported, any is 555 5.5.4.
[[nodiscard]] Result<void, Reply> parse_rcpt_params(std::string_view params);

}  // namespace tern::smtp
