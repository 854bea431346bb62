#include "libmail/smtp/esmtp_params.h"

#include <string>

#include "libmail/core/text.h"
#include "libmail/queue/queue_file.h"

namespace tern::smtp {

namespace {

bool is_upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

Reply unsupported(std::string_view key) { return Reply{555, "5.5.4", "Unsupported option: " + printable(key, 64)}; }

// NOTIFY=NEVER or a comma list of SUCCESS, FAILURE, DELAY (RFC 3461 4.1).
std::optional<std::uint8_t> parse_notify(std::string_view v) {
    std::uint8_t bits = 0;
    for (std::string_view word : split_any(v, ",")) {
        std::uint8_t b = 0;
        if (iequals(word, "NEVER")) b = queue::kNotifyNever;
        else if (iequals(word, "SUCCESS")) b = queue::kNotifySuccess;
        else if (iequals(word, "FAILURE")) b = queue::kNotifyFailure;
        else if (iequals(word, "DELAY")) b = queue::kNotifyDelay;
        else return std::nullopt;
        if (bits & b) return std::nullopt;
        bits |= b;
    }
    if (bits == 0 || ((bits & queue::kNotifyNever) && bits != queue::kNotifyNever)) return std::nullopt;
    return bits;
}

}  // namespace

bool is_xtext(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '+') {
            if (i + 2 >= s.size()) return false;
            if (!is_upper_hex(s[i + 1]) || !is_upper_hex(s[i + 2])) return false;
            i += 2;
        } else if (c < 33 || c > 126 || c == '=') {
            return false;
        }
    }
    return true;
}

std::string decode_xtext(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+' && i + 2 < s.size()) {  // valid xtext: always two hex digits
            auto hex = [](char c) { return c <= '9' ? c - '0' : c - 'A' + 10; };
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

Result<MailParams, Reply> parse_mail_params(std::string_view params) {
    MailParams out;
    bool seen_auth = false, seen_envid = false;
    for (std::string_view p : split_any(params, " ")) {
        auto [key, value] = split_once(p, '=');
        const bool has_value = p.find('=') != std::string_view::npos;
        if (iequals(key, "SIZE")) {
            auto n = parse_number<std::uint64_t>(value);
            if (!n || out.size) return Reply{501, "5.5.4", "Bad SIZE parameter syntax"};
            out.size = *n;
        } else if (iequals(key, "BODY")) {
            if (out.body != BodyType::Unspecified) return Reply{501, "5.5.4", "Bad BODY parameter syntax"};
            if (iequals(value, "8BITMIME")) out.body = BodyType::EightBitMime;
            else if (iequals(value, "7BIT")) out.body = BodyType::SevenBit;
            else return Reply{501, "5.5.4", "Bad BODY parameter syntax"};
        } else if (iequals(key, "SMTPUTF8")) {
            if (has_value || out.smtputf8) return Reply{501, "5.5.4", "Bad SMTPUTF8 parameter syntax"};
            out.smtputf8 = true;
        } else if (iequals(key, "RET")) {
            if (out.ret != DsnRet::Unspecified) return Reply{501, "5.5.4", "Bad RET parameter syntax"};
            if (iequals(value, "FULL")) out.ret = DsnRet::Full;
            else if (iequals(value, "HDRS")) out.ret = DsnRet::Headers;
            else return Reply{501, "5.5.4", "Bad RET parameter syntax"};
        } else if (iequals(key, "ENVID")) {
            if (seen_envid || value.empty() || value.size() > kMaxEnvidOctets || !is_xtext(value))
                return Reply{501, "5.5.4", "Bad ENVID parameter syntax"};
            seen_envid = true;
            out.envid = std::string(value);
        } else if (iequals(key, "AUTH")) {
            // RFC 4954 5: the identity a trusted relay vouches for. Nothing is
            // trusted here; the syntax is checked and the value dropped.
            if (seen_auth || value.empty() || !is_xtext(value)) return Reply{501, "5.5.4", "Bad AUTH parameter syntax"};
            seen_auth = true;
        } else {
            return unsupported(key);
        }
    }
    return out;
}

Result<RcptParams, Reply> parse_rcpt_params(std::string_view params) {
    RcptParams out;
    bool seen_orcpt = false;
    for (std::string_view p : split_any(params, " ")) {
        auto [key, value] = split_once(p, '=');
        if (iequals(key, "NOTIFY")) {
            auto bits = out.notify ? std::nullopt : parse_notify(value);
            if (!bits) return Reply{501, "5.5.4", "Bad NOTIFY parameter syntax"};
            out.notify = *bits;
        } else if (iequals(key, "ORCPT")) {
            // addr-type ";" xtext (RFC 3461 4.2); utf-8 type per RFC 6533.
            const auto [type, addr] = split_once(value, ';');
            const bool typed = value.find(';') != std::string_view::npos;
            if (seen_orcpt || !typed || type.empty() || addr.empty() || value.size() > kMaxOrcptOctets ||
                !is_xtext(type) || !is_xtext(addr))
                return Reply{501, "5.5.4", "Bad ORCPT parameter syntax"};
            seen_orcpt = true;
            out.orcpt = std::string(value);
        } else {
            return unsupported(key);
        }
    }
    return out;
}

}  // namespace tern::smtp
