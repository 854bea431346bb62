#include "imapd/parser.h"

#include "libmail/core/text.h"

namespace tern::imapd {

bool is_atom_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x1f || u == 0x7f) return false;  // CTL
    if (u >= 0x80) return false;               // IMAP4rev1 atoms are 7-bit
    switch (c) {
    case '(': case ')': case '{': case ' ': case '%': case '*': case '"': case '\\': case ']':
        return false;
    default:
        return true;
    }
}

bool is_astring_char(char c) { return is_atom_char(c) || c == ']'; }
bool is_list_char(char c) { return is_atom_char(c) || c == '%' || c == '*' || c == ']'; }

namespace {
bool is_tag_char(char c) { return is_astring_char(c) && c != '+'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_seq_char(char c) { return is_digit(c) || c == ':' || c == ',' || c == '*'; }

std::optional<std::uint32_t> seq_number(std::string_view s) {
    if (s == "*") return 0;
    auto n = parse_number<std::uint32_t>(s);
    if (!n || *n == 0) return std::nullopt;  // nz-number
    return n;
}
}  // namespace

bool seq_contains(const SequenceSet& set, std::uint32_t n, std::uint32_t star) {
    for (const auto& r : set) {
        if (r.saved) continue;
        std::uint32_t lo = r.lo == 0 ? star : r.lo;
        std::uint32_t hi = r.hi == 0 ? star : r.hi;
        if (lo > hi) std::swap(lo, hi);
        if (n >= lo && n <= hi) return true;
    }
    return false;
}

std::optional<SequenceSet> parse_sequence_set(std::string_view text) {
    if (text.empty()) return std::nullopt;
    SequenceSet out;
    for (std::size_t start = 0;;) {
        const auto comma = text.find(',', start);
        const auto piece = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        const auto [a, b] = split_once(piece, ':');
        const bool is_range = piece.find(':') != std::string_view::npos;
        auto lo = seq_number(a);
        if (!lo) return std::nullopt;
        std::optional<std::uint32_t> hi = lo;
        if (is_range) hi = seq_number(b);
        if (!hi) return std::nullopt;
        out.push_back({*lo, *hi});
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

std::optional<LiteralMarker> trailing_literal(std::string_view line) {
    if (line.empty() || line.back() != '}') return std::nullopt;
    const auto open = line.rfind('{');
    if (open == std::string_view::npos) return std::nullopt;
    std::string_view inner = line.substr(open + 1, line.size() - open - 2);
    LiteralMarker m;
    if (!inner.empty() && inner.back() == '+') {
        m.non_sync = true;
        inner.remove_suffix(1);
    }
    if (inner.empty() || inner.size() > 19) return std::nullopt;
    for (char c : inner)
        if (!is_digit(c)) return std::nullopt;
    auto n = parse_number<std::uint64_t>(inner);
    if (!n) return std::nullopt;
    m.size = *n;
    return m;
}

bool Parser::consume(char c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
}

std::string_view Parser::take_while(bool (*pred)(char)) {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && pred(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
}

std::optional<std::string> Parser::tag() {
    auto t = take_while(is_tag_char);
    if (t.empty()) return std::nullopt;
    return std::string(t);
}

std::optional<std::string> Parser::atom() {
    auto t = take_while(is_atom_char);
    if (t.empty()) return std::nullopt;
    return std::string(t);
}

std::optional<std::string> Parser::quoted() {
    if (!consume('"')) return std::nullopt;
    std::string out;
    while (pos_ < s_.size()) {
        const char c = s_[pos_++];
        if (c == '"') return out;
        if (c == '\r' || c == '\n' || c == '\0') return std::nullopt;
        if (c == '\\') {
            // RFC 3501 9: only \" and \\ are quoted-specials.
            if (pos_ >= s_.size()) return std::nullopt;
            const char e = s_[pos_++];
            if (e != '"' && e != '\\') return std::nullopt;
            out += e;
        } else {
            out += c;
        }
    }
    return std::nullopt;  // no closing quote
}

std::optional<std::string> Parser::literal() {
    if (!consume('{')) return std::nullopt;
    auto digits = take_while(is_digit);
    if (digits.empty() || digits.size() > 19) return std::nullopt;
    auto n = parse_number<std::uint64_t>(digits);
    if (!n) return std::nullopt;
    consume('+');
    if (!consume('}') || !consume('\r') || !consume('\n')) return std::nullopt;
    if (*n > s_.size() - pos_) return std::nullopt;
    std::string out(s_.substr(pos_, static_cast<std::size_t>(*n)));
    pos_ += static_cast<std::size_t>(*n);
    return out;
}

std::optional<std::string> Parser::string() {
    if (peek('"')) return quoted();
    if (peek('{')) return literal();
    return std::nullopt;
}

std::optional<std::string> Parser::astring() {
    if (peek('"') || peek('{')) return string();
    auto t = take_while(is_astring_char);
    if (t.empty()) return std::nullopt;
    return std::string(t);
}

std::optional<std::string> Parser::list_mailbox() {
    if (peek('"') || peek('{')) return string();
    auto t = take_while(is_list_char);
    if (t.empty()) return std::nullopt;
    return std::string(t);
}

std::optional<std::string> Parser::flag() {
    if (consume('\\')) {
        if (consume('*')) return std::string("\\*");
        auto a = atom();
        if (!a) return std::nullopt;
        return "\\" + *a;
    }
    return atom();
}

std::optional<std::vector<std::string>> Parser::flag_list(bool allow_bare) {
    std::vector<std::string> out;
    const bool paren = consume('(');
    if (!paren && !allow_bare) return std::nullopt;
    if (paren && consume(')')) return out;
    for (;;) {
        auto f = flag();
        if (!f) return std::nullopt;
        out.push_back(std::move(*f));
        if (paren && consume(')')) return out;
        if (!paren && !peek(' ')) return out;
        if (!space()) return std::nullopt;
    }
}

std::optional<SequenceSet> Parser::sequence_set() {
    if (consume('$')) return SequenceSet{SeqRange{0, 0, true}};
    auto t = take_while(is_seq_char);
    return parse_sequence_set(t);
}

std::optional<std::uint32_t> Parser::number() {
    auto t = take_while(is_digit);
    return parse_number<std::uint32_t>(t);
}

}  // namespace tern::imapd
