#include "libmail/core/text.h"

namespace tern {

namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }
}  // namespace

std::string_view trim(std::string_view s) {
    const auto b = s.find_first_not_of(kSpaceChars);
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(kSpaceChars);
    return s.substr(b, e - b + 1);
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = lower(c);
    return out;
}

std::string to_upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = upper(c);
    return out;
}

std::pair<std::string_view, std::string_view> split_once(std::string_view s, char sep) {
    const auto p = s.find(sep);
    if (p == std::string_view::npos) return {s, {}};
    return {s.substr(0, p), s.substr(p + 1)};
}

std::vector<std::string_view> split_any(std::string_view s, std::string_view seps) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while (pos < s.size()) {
        const auto b = s.find_first_not_of(seps, pos);
        if (b == std::string_view::npos) break;
        auto e = s.find_first_of(seps, b);
        if (e == std::string_view::npos) e = s.size();
        out.push_back(s.substr(b, e - b));
        pos = e;
    }
    return out;
}

std::string printable(std::string_view s, std::size_t max_len) {
    std::string out;
    for (char c : s.substr(0, max_len)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u >= 0x20 && u < 0x7f) ? c : '?';
    }
    if (s.size() > max_len) out += "...";
    return out;
}

bool is_valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
        if (c < 0x80) { ++i; continue; }
        if (c >= 0xC2 && c <= 0xDF) n = 1;
        else if (c == 0xE0) { n = 2; lo = 0xA0; }
        else if (c == 0xED) { n = 2; hi = 0x9F; }      // no UTF-16 surrogates
        else if (c >= 0xE1 && c <= 0xEF) n = 2;
        else if (c == 0xF0) { n = 3; lo = 0x90; }
        else if (c == 0xF4) { n = 3; hi = 0x8F; }      // nothing above U+10FFFF
        else if (c >= 0xF1 && c <= 0xF3) n = 3;
        else return false;
        if (i + n >= s.size()) return false;  // truncated sequence
        for (std::size_t k = 1; k <= n; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return false;
        }
        i += n + 1;
    }
    return true;
}

}  // namespace tern
