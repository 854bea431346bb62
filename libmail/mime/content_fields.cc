#include "libmail/mime/content_fields.h"

#include <algorithm>
#include <map>

#include "libmail/core/text.h"
#include "libmail/mime/charset.h"

namespace tern::mime {

namespace {

// RFC 2045 5.1: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>
bool is_token_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127) return false;
    switch (c) {
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
    case '\\': case '"': case '/': case '[': case ']': case '?': case '=':
        return false;
    default:
        return true;
    }
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

class Lexer {
public:
    explicit Lexer(std::string_view s) : s_(s) {}

    [[nodiscard]] bool at_end() const { return pos_ >= s_.size(); }
    [[nodiscard]] char peek() const { return at_end() ? '\0' : s_[pos_]; }
    [[nodiscard]] std::size_t pos() const { return pos_; }
    void advance() { ++pos_; }

    // White space and (nested (comments)); an unclosed comment runs to the end.
    void skip_cfws() {
        while (!at_end()) {
            if (is_space(s_[pos_])) {
                ++pos_;
            } else if (s_[pos_] == '(') {
                std::size_t depth = 0;
                while (!at_end()) {
                    const char c = s_[pos_++];
                    if (c == '\\') {
                        if (!at_end()) ++pos_;
                    } else if (c == '(') {
                        ++depth;
                    } else if (c == ')' && --depth == 0) {
                        break;
                    }
                }
            } else {
                break;
            }
        }
    }

    std::string_view token() {
        const std::size_t b = pos_;
        while (!at_end() && is_token_char(s_[pos_])) ++pos_;
        return s_.substr(b, pos_ - b);
    }

    // At '"': the quoted string's content with quoted-pairs resolved; an
    // unterminated one runs to the end.
    std::string quoted_string() {
        std::string out;
        ++pos_;
        while (!at_end()) {
            const char c = s_[pos_++];
            if (c == '"') break;
            if (c == '\\' && !at_end()) {
                out += s_[pos_++];
            } else if (c != '\r' && c != '\n') {
                out += c;
            }
        }
        return out;
    }

    // Skips to the next ';' outside quotes (or the end).
    void skip_to_semicolon() {
        while (!at_end() && s_[pos_] != ';') {
            if (s_[pos_] == '"') {
                (void)quoted_string();
            } else {
                ++pos_;
            }
        }
    }

    [[nodiscard]] std::string_view rest_of_value(std::size_t from) const {
        const auto semi = s_.find(';', from);
        return trim(s_.substr(from, semi == std::string_view::npos ? std::string_view::npos : semi - from));
    }
    void seek(std::size_t p) { pos_ = std::min(p, s_.size()); }

private:
    std::string_view s_;
    std::size_t pos_ = 0;
};

struct RawParameter {
    std::string name;  // lower-case, as written (with its '*' suffixes)
    std::string value;
};

std::vector<RawParameter> read_raw_parameters(Lexer& lx) {
    std::vector<RawParameter> out;
    while (out.size() < kMaxRawParameters) {
        lx.skip_cfws();
        if (lx.at_end()) break;
        if (lx.peek() != ';') {  // stray text: skip to the next parameter
            lx.skip_to_semicolon();
            if (lx.at_end()) break;
        }
        lx.advance();  // ';'
        lx.skip_cfws();
        const std::string_view name = lx.token();
        if (name.empty()) continue;
        lx.skip_cfws();
        if (lx.peek() != '=') continue;
        lx.advance();
        lx.skip_cfws();
        RawParameter p{to_lower(name), {}};
        if (lx.peek() == '"') {
            p.value = lx.quoted_string();
        } else {
            const std::size_t start = lx.pos();
            p.value = std::string(lx.token());
            lx.skip_cfws();
            if (!lx.at_end() && lx.peek() != ';') {
                // Unquoted values with spaces or tspecials (name=my file.pdf,
                // boundary=----=_Part_1): take the text up to the next ';'.
                p.value = std::string(lx.rest_of_value(start));
                lx.seek(start + p.value.size());
            }
        }
        out.push_back(std::move(p));
    }
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// RFC 2231 name parts: "title*1*" -> base "title", section 1, extended.
struct NameParts {
    std::string base;
    long section = -1;  // -1: no continuation number
    bool extended = false;
};

NameParts split_name(const std::string& name) {
    NameParts n{name};
    std::string_view s = name;
    if (!s.empty() && s.back() == '*') {
        n.extended = true;
        s.remove_suffix(1);
    }
    const auto star = s.rfind('*');
    if (star != std::string_view::npos && star > 0) {
        const auto digits = s.substr(star + 1);
        // RFC 2231 3: no leading zeros, so "*01" is no continuation number.
        const auto num = parse_number<unsigned>(digits);
        if (num && *num <= kMaxContinuationIndex && (digits.size() == 1 || digits[0] != '0')) {
            n.section = static_cast<long>(*num);
            s = s.substr(0, star);
        }
    }
    n.base = std::string(s);
    return n;
}

// Applies charset'language'value (RFC 2231 4) to an extended first segment.
void take_charset_and_language(std::string_view raw, Parameter& p, std::string& encoded) {
    const auto q1 = raw.find('\'');
    const auto q2 = q1 == std::string_view::npos ? q1 : raw.find('\'', q1 + 1);
    if (q2 == std::string_view::npos) {  // malformed: the whole value is text
        encoded = std::string(raw);
        return;
    }
    p.charset = to_lower(raw.substr(0, q1));
    p.language = std::string(raw.substr(q1 + 1, q2 - q1 - 1));
    encoded = std::string(raw.substr(q2 + 1));
}

void convert_charset(Parameter& p) {
    if (p.charset.empty()) return;
    if (auto utf8 = to_utf8(p.value, p.charset)) p.value = std::move(*utf8);
}

}  // namespace

Parameters parse_parameters(std::string_view s) {
    Lexer lx(s);
    const auto raw = read_raw_parameters(lx);

    // Group by base name in order of first appearance.
    std::vector<std::string> order;
    struct Group {
        const RawParameter* plain = nullptr;     // name=
        const RawParameter* extended = nullptr;  // name*=
        std::map<long, std::pair<const RawParameter*, bool>> sections;  // name*N[*]=
    };
    std::map<std::string, Group> groups;
    for (const auto& r : raw) {
        const NameParts n = split_name(r.name);
        if (n.base.empty()) continue;
        auto [it, inserted] = groups.try_emplace(n.base);
        if (inserted) order.push_back(n.base);
        Group& g = it->second;
        if (n.section >= 0) {
            g.sections.try_emplace(n.section, &r, n.extended);
        } else if (n.extended) {
            if (!g.extended) g.extended = &r;
        } else if (!g.plain) {
            g.plain = &r;
        }
    }

    Parameters out;
    for (const auto& base : order) {
        if (out.size() >= kMaxParameters) break;
        const Group& g = groups[base];
        Parameter p;
        p.name = base;
        if (!g.sections.empty() && g.sections.begin()->first == 0) {
            // RFC 2231 3: segments 0, 1, 2 ... joined; a gap ends the value.
            long expect = 0;
            bool convert = false;
            for (const auto& [num, seg] : g.sections) {
                if (num != expect++) break;
                const auto& [r, ext] = seg;
                if (num == 0 && ext) {
                    std::string encoded;
                    take_charset_and_language(r->value, p, encoded);
                    p.value += percent_decode(encoded);
                    p.extended = convert = true;
                } else {
                    p.value += ext ? percent_decode(r->value) : r->value;
                    if (ext) p.extended = true;
                }
            }
            if (convert) convert_charset(p);
        } else if (g.extended) {
            std::string encoded;
            take_charset_and_language(g.extended->value, p, encoded);
            p.value = percent_decode(encoded);
            p.extended = true;
            convert_charset(p);
        } else if (g.plain) {
            p.value = g.plain->value;
        } else {
            continue;
        }
        out.push_back(std::move(p));
    }
    return out;
}

const Parameter* find_parameter(const Parameters& params, std::string_view name) {
    for (const auto& p : params)
        if (iequals(p.name, name)) return &p;
    return nullptr;
}

std::optional<ContentType> parse_content_type(std::string_view value) {
    Lexer lx(value);
    lx.skip_cfws();
    const auto type = lx.token();
    lx.skip_cfws();
    if (type.empty() || lx.peek() != '/') return std::nullopt;
    lx.advance();
    lx.skip_cfws();
    const auto subtype = lx.token();
    if (subtype.empty()) return std::nullopt;
    ContentType ct;
    ct.type = to_lower(type);
    ct.subtype = to_lower(subtype);
    ct.parameters = parse_parameters(value.substr(lx.pos()));
    return ct;
}

std::optional<ContentDisposition> parse_content_disposition(std::string_view value) {
    Lexer lx(value);
    lx.skip_cfws();
    const auto type = lx.token();
    if (type.empty()) return std::nullopt;
    ContentDisposition d;
    d.type = to_lower(type);
    d.parameters = parse_parameters(value.substr(lx.pos()));
    return d;
}

std::vector<std::string> parse_language_list(std::string_view value) {
    std::vector<std::string> out;
    Lexer lx(value);
    while (out.size() < kMaxParameters) {
        lx.skip_cfws();
        if (lx.at_end()) break;
        const auto tag = lx.token();
        if (!tag.empty()) {
            out.emplace_back(tag);
        } else {
            lx.advance();  // ',' or anything else between tags
        }
    }
    return out;
}

std::string parse_token_value(std::string_view value) {
    Lexer lx(value);
    lx.skip_cfws();
    return to_lower(lx.token());
}

}  // namespace tern::mime
