#include "libmail/dsn/header_text.h"

#include <sys/random.h>

#include <algorithm>
#include <cstdio>

#include "libmail/core/text.h"

namespace tern::dsn {

std::string safe_text(std::string_view s, bool utf8_ok, std::size_t max_bytes) {
    const bool keep_high = utf8_ok && is_valid_utf8(s);
    std::string out;
    out.reserve(std::min(s.size(), max_bytes));
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        char put = ch;
        if (c < 0x20 || c == 0x7f) put = ' ';
        else if (c >= 0x80 && !keep_high) put = '?';
        if (put == ' ' && (out.empty() || out.back() == ' ')) continue;
        out += put;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (out.size() > max_bytes) {
        std::size_t cut = max_bytes;
        // Never split a UTF-8 sequence: back up over continuation bytes.
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
        out.resize(cut);
        while (!out.empty() && out.back() == ' ') out.pop_back();
    }
    return out;
}

std::string fold_field(std::string_view name, std::string_view value) {
    constexpr std::size_t kFoldAt = 78;  // RFC 5322 2.1.1: SHOULD be no more than 78 characters
    std::string out(name);
    out += ':';
    std::size_t col = out.size();
    std::size_t pos = 0;
    bool first = true;
    while (pos < value.size()) {
        std::size_t end = value.find(' ', pos);
        if (end == std::string_view::npos) end = value.size();
        const std::string_view word = value.substr(pos, end - pos);
        if (!first && col + 1 + word.size() > kFoldAt) {
            out += "\n";
            col = 0;
        }
        out += ' ';
        out += word;
        col += 1 + word.size();
        first = false;
        pos = end + 1;
    }
    out += '\n';
    return out;
}

namespace {

bool is_ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

// Decodes one UTF-8 sequence at s[i] (s is valid UTF-8); advances i.
unsigned next_code_point(std::string_view s, std::size_t& i) {
    const auto c = static_cast<unsigned char>(s[i++]);
    if (c < 0x80) return c;
    const int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
    unsigned cp = c & (0x3F >> extra);
    for (int k = 0; k < extra && i < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
    return cp;
}

}  // namespace

std::string typed_address(std::string_view addr, bool global) {
    std::string clean;
    for (char c : addr)
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) clean += c;
    if (clean.size() > kMaxFieldText) clean.resize(kMaxFieldText);
    if (is_ascii(clean)) return "rfc822; " + clean;
    if (!is_valid_utf8(clean)) return "rfc822; " + safe_text(clean, false);
    if (global) return "utf-8; " + clean;
    // RFC 6533 3: utf-8-addr-xtext, every non-QCHAR as \x{HEXPOINT}.
    std::string out = "utf-8; ";
    for (std::size_t i = 0; i < clean.size();) {
        const unsigned cp = next_code_point(clean, i);
        if (cp > 0x20 && cp < 0x7f && cp != '+' && cp != '=' && cp != '\\') {
            out += static_cast<char>(cp);
        } else {
            char buf[16];
            std::snprintf(buf, sizeof buf, "\\x{%X}", cp);
            out += buf;
        }
    }
    return out;
}

std::string make_boundary() {
    static constexpr char kAlnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    unsigned char raw[24] = {};
    std::size_t got = 0;
    while (got < sizeof raw) {
        const ssize_t n = ::getrandom(raw + got, sizeof raw - got, 0);
        if (n <= 0) break;  // cannot happen after boot; the content check below still holds
        got += static_cast<std::size_t>(n);
    }
    std::string b = "=_";
    for (unsigned char c : raw) b += kAlnum[c % 62];
    return b;
}

void NeedleScanner::feed(std::string_view chunk) {
    if (found_ || needle_.empty()) return;
    std::string window = tail_;
    window.append(chunk);
    if (window.find(needle_) != std::string::npos) {
        found_ = true;
        return;
    }
    const std::size_t keep = needle_.size() - 1;
    tail_ = window.size() > keep ? window.substr(window.size() - keep) : window;
}

}  // namespace tern::dsn
