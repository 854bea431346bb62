#include "libmail/smtp/esmtp_params.h"

#include <string>

#include "libmail/core/text.h"

namespace tern::smtp {

Result<MailParams, Reply> parse_mail_params(std::string_view params) {
    MailParams out;
    for (std::string_view p : split_any(params, " ")) {
        auto [key, value] = split_once(p, '=');
        if (iequals(key, "SIZE")) {
            auto n = parse_number<std::uint64_t>(value);
            if (!n || out.size) return Reply{501, "5.5.4", "Bad SIZE parameter syntax"};
            out.size = *n;
        } else if (iequals(key, "BODY")) {
            if (out.body != BodyType::Unspecified) return Reply{501, "5.5.4", "Bad BODY parameter syntax"};
            if (iequals(value, "8BITMIME")) out.body = BodyType::EightBitMime;
            else if (iequals(value, "7BIT")) out.body = BodyType::SevenBit;
            else return Reply{501, "5.5.4", "Bad BODY parameter syntax"};
        } else {
            return Reply{555, "5.5.4", "Unsupported option: " + printable(key, 64)};
        }
    }
    return out;
}

Result<void, Reply> parse_rcpt_params(std::string_view params) {
    for (std::string_view p : split_any(params, " "))
        return Reply{555, "5.5.4", "Unsupported option: " + printable(split_once(p, '=').first, 64)};
    return {};
}

}  // namespace tern::smtp
