#include "libmail/mime/encoded_words.h"

#include <optional>

#include "libmail/core/text.h"
#include "libmail/mime/charset.h"
#include "libmail/mime/transfer_decode.h"

namespace tern::mime {

namespace {

struct Word {
    std::string charset;  // without an RFC 2231 "*language"
    std::string bytes;    // decoded, still in charset
    std::size_t end = 0;  // just past "?="
};

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_base64_text(std::string_view t) {
    std::size_t pad = 0;
    for (char c : t) {
        const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                           c == '/';
        if (c == '=') {
            ++pad;
        } else if (!alpha || pad > 0) {
            return false;  // text after padding
        }
    }
    return pad <= 2;
}

// RFC 2047 4.2: "_" is a space, "=XX" a byte.
std::optional<std::string> decode_q(std::string_view t) {
    std::string out;
    out.reserve(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) {
        const char c = t[i];
        if (c == '_') {
            out += ' ';
        } else if (c == '=') {
            if (i + 2 >= t.size()) return std::nullopt;
            const int hi = hex_value(t[i + 1]), lo = hex_value(t[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

// The encoded-word starting at s[pos] ("=?"), or nullopt when it is malformed.
std::optional<Word> parse_word(std::string_view s, std::size_t pos) {
    std::size_t i = pos + 2;
    const auto q1 = s.find('?', i);
    if (q1 == std::string_view::npos || q1 == i || q1 - i > kMaxCharsetNameOctets) return std::nullopt;
    std::string_view charset = s.substr(i, q1 - i);
    for (char c : charset)
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '=') return std::nullopt;
    charset = charset.substr(0, charset.find('*'));  // RFC 2231 5: charset*language
    if (charset.empty() || q1 + 2 >= s.size() || s[q1 + 2] != '?') return std::nullopt;
    const char enc = s[q1 + 1];
    const std::size_t text_begin = q1 + 3;
    std::size_t j = text_begin;
    while (j < s.size() && s[j] != '?' && s[j] != ' ' && s[j] != '\t' && s[j] != '\r' && s[j] != '\n' &&
           j - text_begin <= kMaxEncodedWordOctets)
        ++j;
    if (j + 1 >= s.size() || s[j] != '?' || s[j + 1] != '=') return std::nullopt;
    const std::string_view text = s.substr(text_begin, j - text_begin);
    Word w;
    w.charset = std::string(charset);
    w.end = j + 2;
    if (enc == 'B' || enc == 'b') {
        if (!is_base64_text(text)) return std::nullopt;
        w.bytes = decode_base64(text);
    } else if (enc == 'Q' || enc == 'q') {
        auto q = decode_q(text);
        if (!q) return std::nullopt;
        w.bytes = std::move(*q);
    } else {
        return std::nullopt;
    }
    return w;
}

bool is_lwsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::string decode_encoded_words(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    // Adjacent words in one charset are converted together, so that a
    // character split over two words (as some senders do) survives.
    std::string pending_bytes, pending_charset;
    std::size_t pending_begin = 0, pending_end = 0;  // their text in s
    bool have_pending = false;
    std::size_t plain_begin = 0;  // start of text not yet copied to out

    auto flush_pending = [&] {
        if (!have_pending) return;
        if (auto utf8 = to_utf8(pending_bytes, pending_charset)) {
            out += *utf8;
        } else {
            out += repair_utf8(s.substr(pending_begin, pending_end - pending_begin));  // unknown charset
        }
        pending_bytes.clear();
        have_pending = false;
    };

    std::size_t i = 0;
    while (i < s.size()) {
        const auto start = s.find("=?", i);
        if (start == std::string_view::npos) break;
        auto w = parse_word(s, start);
        if (!w) {
            i = start + 1;
            continue;
        }
        const std::string_view between = s.substr(plain_begin, start - plain_begin);
        bool only_space = true;
        for (char c : between) only_space = only_space && is_lwsp(c);
        if (have_pending && only_space) {
            // RFC 2047 6.2: white space between adjacent encoded-words is not displayed.
            if (!iequals(pending_charset, w->charset)) {
                flush_pending();
            }
        } else {
            flush_pending();
            out += repair_utf8(between);
        }
        if (!have_pending) {
            pending_charset = w->charset;
            pending_begin = start;
            have_pending = true;
        }
        pending_bytes += w->bytes;
        pending_end = w->end;
        plain_begin = i = w->end;
    }
    flush_pending();
    out += repair_utf8(s.substr(plain_begin));
    return out;
}

}  // namespace tern::mime
