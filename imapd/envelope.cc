#include "imapd/envelope.h"

#include "libmail/core/text.h"

namespace tern::imapd {

std::size_t body_offset(std::string_view m) {
    // The header ends at the first empty line; accept LF-only files too.
    std::size_t line = 0;
    while (line < m.size()) {
        if (m[line] == '\n') return line + 1;
        if (m[line] == '\r' && line + 1 < m.size() && m[line + 1] == '\n') return line + 2;
        const auto lf = m.find('\n', line);
        if (lf == std::string_view::npos) return m.size();
        line = lf + 1;
    }
    return m.size();
}

std::string_view header_block(std::string_view message) { return message.substr(0, body_offset(message)); }

namespace {

// Splits a header block into raw fields (a field with its continuation lines).
template <class F>
void for_each_raw_field(std::string_view block, F&& f) {
    std::size_t pos = 0;
    std::size_t start = std::string_view::npos;
    auto flush = [&](std::size_t end) {
        if (start != std::string_view::npos) f(block.substr(start, end - start));
        start = std::string_view::npos;
    };
    while (pos < block.size()) {
        auto lf = block.find('\n', pos);
        const std::size_t next = lf == std::string_view::npos ? block.size() : lf + 1;
        std::string_view line = block.substr(pos, next - pos);
        std::string_view bare = line;
        while (!bare.empty() && (bare.back() == '\n' || bare.back() == '\r')) bare.remove_suffix(1);
        if (bare.empty()) {  // end of header
            flush(pos);
            return;
        }
        if (bare.front() == ' ' || bare.front() == '\t') {
            // continuation: belongs to the current field (ignored when there is none)
        } else {
            flush(pos);
            if (bare.find(':') != std::string_view::npos) start = pos;
        }
        pos = next;
    }
    flush(block.size());
}

}  // namespace

std::vector<HeaderField> parse_header(std::string_view block) {
    std::vector<HeaderField> out;
    for_each_raw_field(block, [&](std::string_view raw) {
        if (out.size() >= kMaxHeaderFields) return;
        const auto colon = raw.find(':');
        HeaderField f;
        f.name = std::string(trim(raw.substr(0, colon)));
        // RFC 5322 2.2.3: unfolding removes each CRLF that precedes white space.
        std::string v;
        for (char c : raw.substr(colon + 1))
            if (c != '\r' && c != '\n') v += c;
        f.value = std::string(trim(v));
        out.push_back(std::move(f));
    });
    return out;
}

const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name) {
    for (const auto& f : fields)
        if (iequals(f.name, name)) return &f;
    return nullptr;
}

std::string imap_literal(std::string_view s) {
    std::string out = "{" + std::to_string(s.size()) + "}\r\n";
    out += s;
    return out;
}

std::string imap_string(std::string_view s) {
    // Quoted strings carry 7-bit text only (RFC 3501 9: TEXT-CHAR), and keep
    // response lines short; anything else goes as a literal.
    if (s.size() > 1024) return imap_literal(s);
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f) return imap_literal(s);
    }
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

std::string imap_nstring(const std::optional<std::string>& s) { return s ? imap_string(*s) : "NIL"; }

namespace {

struct Token {
    enum class Kind { Word, Special } kind;
    std::string text;  // Word: the word (quotes removed); Special: one char
};

bool is_special(char c) {
    switch (c) {
    case '(': case ')': case '<': case '>': case '[': case ']': case ':': case ';':
    case '@': case '\\': case ',': case '"':
        return true;
    default:
        return false;
    }
}

std::vector<Token> tokenize(std::string_view v) {
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < v.size()) {
        const char c = v[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            ++i;
        } else if (c == '(') {  // comment, nested; skipped
            int depth = 0;
            while (i < v.size()) {
                if (v[i] == '\\') ++i;
                else if (v[i] == '(') ++depth;
                else if (v[i] == ')' && --depth == 0) { ++i; break; }
                ++i;
            }
        } else if (c == '"') {
            std::string w;
            ++i;
            while (i < v.size() && v[i] != '"') {
                if (v[i] == '\\' && i + 1 < v.size()) ++i;
                w += v[i++];
            }
            ++i;  // closing quote (or end)
            out.push_back({Token::Kind::Word, std::move(w)});
        } else if (c == '[') {  // domain literal, kept with its brackets
            const auto close = v.find(']', i);
            const auto end = close == std::string_view::npos ? v.size() : close + 1;
            out.push_back({Token::Kind::Word, std::string(v.substr(i, end - i))});
            i = end;
        } else if (is_special(c)) {
            out.push_back({Token::Kind::Special, std::string(1, c)});
            ++i;
        } else {
            const std::size_t start = i;
            while (i < v.size() && !is_special(v[i]) && v[i] != ' ' && v[i] != '\t' && v[i] != '\r' &&
                   v[i] != '\n')
                ++i;
            out.push_back({Token::Kind::Word, std::string(v.substr(start, i - start))});
        }
    }
    return out;
}

Address group_end() {
    Address a;
    a.group_end = true;
    return a;
}

bool is_sp(const Token& t, char c) { return t.kind == Token::Kind::Special && t.text[0] == c; }

std::optional<std::string> join_words(const std::vector<Token>& t, std::size_t b, std::size_t e) {
    std::string out;
    for (std::size_t i = b; i < e; ++i) {
        if (t[i].kind != Token::Kind::Word) continue;
        if (!out.empty()) out += ' ';
        out += t[i].text;
    }
    if (out.empty()) return std::nullopt;
    return out;
}

// local-part "@" domain from tokens [b, e); a source route "@a,@b:" is dropped.
Address addr_spec(const std::vector<Token>& t, std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i)
        if (is_sp(t[i], ':')) b = i + 1;
    Address a;
    std::string local, domain;
    bool at = false;
    for (std::size_t i = b; i < e; ++i) {
        if (is_sp(t[i], '@')) { at = true; continue; }
        if (t[i].kind != Token::Kind::Word) continue;
        (at ? domain : local) += t[i].text;
    }
    if (!local.empty()) a.mailbox = local;
    // RFC 3501 7.4.2 reserves a NIL host for group syntax; an address without
    // a domain gets a placeholder, as other servers do.
    a.host = domain.empty() ? std::string("MISSING_DOMAIN") : domain;
    return a;
}

}  // namespace

std::vector<Address> parse_address_list(std::string_view value) {
    const auto t = tokenize(value);
    std::vector<Address> out;
    bool in_group = false;
    std::size_t i = 0;
    while (i < t.size() && out.size() < 1000) {
        if (is_sp(t[i], ',')) { ++i; continue; }
        if (is_sp(t[i], ';')) {
            if (in_group) out.push_back(group_end());
            in_group = false;
            ++i;
            continue;
        }
        // Find what ends this entry: ':' (group), '<' (name-addr), ',' or ';'.
        std::size_t j = i;
        while (j < t.size() && !is_sp(t[j], ':') && !is_sp(t[j], '<') && !is_sp(t[j], ',') && !is_sp(t[j], ';'))
            ++j;
        if (j < t.size() && is_sp(t[j], ':') && !in_group) {
            Address g;
            g.mailbox = join_words(t, i, j).value_or("");
            g.group_start = true;
            out.push_back(std::move(g));
            in_group = true;
            i = j + 1;
            continue;
        }
        if (j < t.size() && is_sp(t[j], '<')) {
            std::size_t k = j + 1;
            while (k < t.size() && !is_sp(t[k], '>')) ++k;
            Address a = addr_spec(t, j + 1, k);
            a.name = join_words(t, i, j);
            if (a.mailbox) out.push_back(std::move(a));
            i = k < t.size() ? k + 1 : k;
            continue;
        }
        Address a = addr_spec(t, i, j);
        if (a.mailbox) out.push_back(std::move(a));
        // A ':' here is a second group start inside a group: not valid, and
        // skipped so that the loop always moves on.
        if (j < t.size() && is_sp(t[j], ':')) ++j;
        i = j;
    }
    if (in_group) out.push_back(group_end());
    return out;
}

std::string format_address_list(const std::vector<Address>& list) {
    if (list.empty()) return "NIL";
    std::string out = "(";
    for (const auto& a : list) {
        if (a.group_end) {
            out += "(NIL NIL NIL NIL)";
        } else if (a.group_start) {
            out += "(NIL NIL " + imap_nstring(a.mailbox) + " NIL)";
        } else {
            out += "(" + imap_nstring(a.name) + " NIL " + imap_nstring(a.mailbox) + " " + imap_nstring(a.host) + ")";
        }
    }
    out += ")";
    return out;
}

std::string envelope(std::string_view header) {
    const auto fields = parse_header(header);
    auto text = [&](std::string_view name) -> std::string {
        const auto* f = find_field(fields, name);
        return f ? imap_string(f->value) : "NIL";
    };
    auto addrs = [&](std::string_view name) -> std::vector<Address> {
        const auto* f = find_field(fields, name);
        return f ? parse_address_list(f->value) : std::vector<Address>{};
    };
    const auto from = addrs("From");
    auto sender = addrs("Sender");
    auto reply_to = addrs("Reply-To");
    if (sender.empty()) sender = from;
    if (reply_to.empty()) reply_to = from;
    std::string out = "(";
    out += text("Date") + " ";
    out += text("Subject") + " ";
    out += format_address_list(from) + " ";
    out += format_address_list(sender) + " ";
    out += format_address_list(reply_to) + " ";
    out += format_address_list(addrs("To")) + " ";
    out += format_address_list(addrs("Cc")) + " ";
    out += format_address_list(addrs("Bcc")) + " ";
    out += text("In-Reply-To") + " ";
    out += text("Message-ID");
    out += ")";
    return out;
}

std::string header_fields(std::string_view header, const std::vector<std::string>& names, bool negate) {
    std::string out;
    for_each_raw_field(header, [&](std::string_view raw) {
        const auto name = trim(raw.substr(0, raw.find(':')));
        bool listed = false;
        for (const auto& n : names)
            if (iequals(n, name)) listed = true;
        if (listed != negate) {
            out += raw;
            if (raw.empty() || raw.back() != '\n') out += "\r\n";
        }
    });
    out += "\r\n";
    return out;
}

}  // namespace tern::imapd
