#include "libmail/authres/authentication_results.h"

#include "libmail/core/text.h"

namespace tern::authres {

namespace {

constexpr std::string_view kTspecials = "()<>@,;:\\\"/[]?= ";

bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (unsigned char c : s)
        if (c <= 0x20 || c >= 0x7f || kTspecials.find(static_cast<char>(c)) != std::string_view::npos) return false;
    return true;
}

// A property value: a token, or an addr-spec made of tokens ("user@example.com"),
// else a quoted-string.
std::string value_text(std::string_view v) {
    const auto at = v.rfind('@');
    if (is_token(v) || (at != std::string_view::npos && at > 0 && is_token(v.substr(0, at)) && is_token(v.substr(at + 1))))
        return std::string(v);
    std::string out = "\"";
    for (unsigned char c : v) {
        if (c < 0x20 || c == 0x7f) continue;
        if (c == '"' || c == '\\') out += '\\';
        out += static_cast<char>(c);
    }
    out += '"';
    return out;
}

std::string comment_text(std::string_view v) {
    std::string out = "(";
    for (unsigned char c : v) {
        if (c < 0x20 || c == 0x7f) continue;
        if (c == '(' || c == ')' || c == '\\') out += '\\';
        out += static_cast<char>(c);
    }
    out += ')';
    return out;
}

// Skips white space and (nested) comments; false on an unclosed comment.
bool skip_cfws(std::string_view& s) {
    for (;;) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
            s.remove_prefix(1);
        if (s.empty() || s.front() != '(') return true;
        int depth = 0;
        std::size_t i = 0;
        for (; i < s.size(); ++i) {
            if (s[i] == '\\') {
                ++i;
                continue;
            }
            if (s[i] == '(') ++depth;
            if (s[i] == ')' && --depth == 0) break;
        }
        if (i >= s.size()) return false;
        s.remove_prefix(i + 1);
    }
}

}  // namespace

std::string format_header(std::string_view authserv_id, const std::vector<ResInfo>& results) {
    std::string out = "Authentication-Results: " + value_text(authserv_id);
    if (results.empty()) return out + "; none\n";
    for (const ResInfo& r : results) {
        out += ";\n\t" + r.method + "=" + r.result;
        if (!r.comment.empty()) out += " " + comment_text(r.comment);
        if (!r.reason.empty()) out += " reason=" + value_text(r.reason);
        for (const auto& [name, value] : r.properties) out += " " + name + "=" + value_text(value);
    }
    return out + "\n";
}

std::optional<std::string> authserv_id_of(std::string_view value) {
    if (!skip_cfws(value) || value.empty()) return std::nullopt;
    if (value.front() == '"') {
        std::string id;
        for (std::size_t i = 1; i < value.size(); ++i) {
            if (value[i] == '\\' && i + 1 < value.size()) {
                id += value[++i];
            } else if (value[i] == '"') {
                return id;
            } else {
                id += value[i];
            }
        }
        return std::nullopt;  // unclosed
    }
    std::size_t n = 0;
    while (n < value.size() && is_token(value.substr(n, 1))) ++n;
    if (n == 0) return std::nullopt;
    return std::string(value.substr(0, n));
}

bool claims_authserv_id(std::string_view logical_field, std::string_view our_id) {
    constexpr std::string_view kName = "Authentication-Results";
    if (logical_field.size() <= kName.size() || !iequals(logical_field.substr(0, kName.size()), kName)) return false;
    std::string_view rest = logical_field.substr(kName.size());
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    if (rest.empty() || rest.front() != ':') return false;
    const auto id = authserv_id_of(rest.substr(1));
    return id && iequals(*id, our_id);
}

}  // namespace tern::authres
