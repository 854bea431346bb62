#include "libmail/spf/macro.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <vector>

namespace tern::spf {

namespace {

constexpr std::string_view kLetters = "slodiphcrtv";
constexpr std::string_view kDelimiters = ".-+,/_=";
constexpr std::size_t kMaxDigits = 3;  // "%{d999}" keeps every part; more digits is nonsense

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string at(std::size_t pos) { return " at offset " + std::to_string(pos); }

// One %{...}: letter, keep (0 = all), reverse, delimiters.
struct Expand {
    char letter = 0;
    unsigned keep = 0;
    bool reverse = false;
    std::string delimiters;
};

// Parses the body of "%{" at s[pos] (just after the brace). On success pos is
// just past "}". Returns an error message or "".
std::string parse_expand(std::string_view s, std::size_t& pos, MacroKind kind, Expand& out) {
    const std::size_t start = pos - 2;
    if (pos >= s.size()) return "unterminated macro" + at(start);
    const char letter = s[pos];
    if (kLetters.find(lower(letter)) == std::string_view::npos)
        return std::string("bad macro letter '") + letter + "'" + at(pos);
    const char l = lower(letter);
    if ((l == 'c' || l == 'r' || l == 't') && kind != MacroKind::Explain)
        return std::string("macro letter '") + letter + "' is allowed only in exp text" + at(pos);
    out.letter = letter;
    ++pos;
    std::size_t digits = 0;
    while (pos < s.size() && is_digit(s[pos])) {
        if (++digits > kMaxDigits) return "too many digits in macro transformer" + at(pos);
        out.keep = out.keep * 10 + static_cast<unsigned>(s[pos] - '0');
        ++pos;
    }
    if (digits > 0 && out.keep == 0) return "macro transformer 0 (must be nonzero)" + at(pos - 1);
    if (pos < s.size() && (s[pos] == 'r' || s[pos] == 'R')) {
        out.reverse = true;
        ++pos;
    }
    while (pos < s.size() && kDelimiters.find(s[pos]) != std::string_view::npos) out.delimiters += s[pos++];
    if (pos >= s.size()) return "unterminated macro" + at(start);
    if (s[pos] != '}') return std::string("bad character '") + s[pos] + "' in macro" + at(pos);
    ++pos;
    return "";
}

// RFC 7208 section 12: toplabel = ( *alphanum ALPHA *alphanum ) /
// ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool is_toplabel(std::string_view l) {
    if (l.empty() || !is_alnum(l.front()) || !is_alnum(l.back())) return false;
    bool alpha = false, hyphen = false;
    for (char c : l) {
        if (c == '-') hyphen = true;
        else if (is_alpha(c)) alpha = true;
        else if (!is_digit(c)) return false;
    }
    return alpha || hyphen;
}

void url_escape(std::string_view in, std::string& out) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (char c : in) {
        if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            const auto b = static_cast<unsigned char>(c);
            out += '%';
            out += kHex[b >> 4];
            out += kHex[b & 15];
        }
    }
}

std::string value_of(char letter, const MacroContext& ctx) {
    switch (lower(letter)) {
    case 's': return ctx.sender;
    case 'l': return ctx.local_part;
    case 'o': return ctx.sender_domain;
    case 'd': return ctx.domain;
    case 'i': return ctx.ip.dotted();
    case 'p': return ctx.validated.empty() ? "unknown" : ctx.validated;
    case 'h': return ctx.helo;
    case 'c': return ctx.ip.text();
    case 'r': return ctx.receiver.empty() ? "unknown" : ctx.receiver;
    case 't': return std::to_string(ctx.now);
    case 'v': return ctx.ip.v6 ? "ip6" : "in-addr";
    }
    return {};
}

// RFC 7208 section 7.3: split on the delimiters, optionally reverse, keep
// the rightmost `keep` parts, join with ".".
std::string transform(const std::string& value, const Expand& e) {
    const std::string_view delims = e.delimiters.empty() ? std::string_view(".") : std::string_view(e.delimiters);
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= value.size(); ++i) {
        if (i == value.size() || delims.find(value[i]) != std::string_view::npos) {
            parts.emplace_back(value.data() + start, i - start);
            start = i + 1;
        }
    }
    if (e.reverse) std::reverse(parts.begin(), parts.end());
    std::size_t first = 0;
    if (e.keep > 0 && e.keep < parts.size()) first = parts.size() - e.keep;
    std::string out;
    for (std::size_t i = first; i < parts.size(); ++i) {
        if (i > first) out += '.';
        out += parts[i];
    }
    return out;
}

}  // namespace

std::string check_macro_syntax(std::string_view s, MacroKind kind) {
    std::size_t pos = 0;
    std::size_t literal_start = 0;  // start of the literal text after the last macro-expand
    bool ends_with_expand = false;
    while (pos < s.size()) {
        const char c = s[pos];
        if (c == '%') {
            if (pos + 1 >= s.size()) return "'%' at the end" + at(pos);
            const char n = s[pos + 1];
            if (n == '%' || n == '_' || n == '-') {
                pos += 2;
            } else if (n == '{') {
                pos += 2;
                Expand e;
                if (std::string err = parse_expand(s, pos, kind, e); !err.empty()) return err;
            } else {
                return std::string("bad character '") + n + "' after '%'" + at(pos + 1);
            }
            literal_start = pos;
            ends_with_expand = true;
            continue;
        }
        const auto u = static_cast<unsigned char>(c);
        const bool space_ok = kind == MacroKind::Explain && c == ' ';
        if ((u < 0x21 || u > 0x7e) && !space_ok) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "0x%02x", u);
            return std::string("bad character ") + buf + at(pos);
        }
        ends_with_expand = false;
        ++pos;
    }
    if (kind != MacroKind::DomainSpec || ends_with_expand) return "";
    // domain-end = ( "." toplabel [ "." ] ) / macro-expand
    if (s.empty()) return "empty domain";
    std::string_view tail = s.substr(literal_start);
    if (!tail.empty() && tail.back() == '.') tail.remove_suffix(1);
    const std::size_t dot = tail.rfind('.');
    if (dot == std::string_view::npos || !is_toplabel(tail.substr(dot + 1)))
        return "domain \"" + std::string(s) + "\" does not end with a top-level label or a macro";
    return "";
}

bool uses_validated_name(std::string_view s) {
    for (std::size_t i = 0; i + 2 < s.size(); ++i) {
        if (s[i] != '%') continue;
        if (s[i + 1] == '{' && lower(s[i + 2]) == 'p') return true;
        ++i;  // skip "%%", "%_", "%-" and the brace of other macros
    }
    return false;
}

std::optional<std::string> expand_macros(std::string_view s, const MacroContext& ctx) {
    std::string out;
    std::size_t pos = 0;
    while (pos < s.size()) {
        const char c = s[pos];
        if (c != '%' || pos + 1 >= s.size()) {
            out += c;
            ++pos;
        } else if (s[pos + 1] == '%') {
            out += '%';
            pos += 2;
        } else if (s[pos + 1] == '_') {
            out += ' ';
            pos += 2;
        } else if (s[pos + 1] == '-') {
            out += "%20";
            pos += 2;
        } else if (s[pos + 1] == '{') {
            pos += 2;
            Expand e;
            if (!parse_expand(s, pos, MacroKind::Explain, e).empty()) return std::nullopt;
            const std::string v = transform(value_of(e.letter, ctx), e);
            if (is_alpha(e.letter) && e.letter == std::toupper(static_cast<unsigned char>(e.letter)))
                url_escape(v, out);
            else
                out += v;
        } else {
            out += c;
            ++pos;
        }
        if (out.size() > kMaxExpansionOctets) return std::nullopt;
    }
    return out;
}

std::string truncate_domain(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    while (name.size() > kMaxDomainOctets) {
        const std::size_t dot = name.find('.');
        if (dot == std::string_view::npos) return {};
        name.remove_prefix(dot + 1);
    }
    return std::string(name);
}

}  // namespace tern::spf
