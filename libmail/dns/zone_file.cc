// RFC 1035 section 5 master files: a lexer that joins parenthesised lines into
// entries, then one pass that resolves names against $ORIGIN and checks each
// record's RDATA. Everything here is disk input: every length is bounded.
#include "libmail/dns/zone_file.h"

#include <arpa/inet.h>

#include <map>
#include <optional>
#include <utility>

#include "libmail/core/file_io.h"
#include "libmail/core/text.h"

namespace tern::dns {

namespace {

// RFC 1035 2.3.4: labels of 63 octets, names of 255 octets (wire form);
// character-strings of 255 octets (3.3); RDATA of 65535 octets (3.2.1).
constexpr std::size_t kMaxLabelOctets = 63;
constexpr std::size_t kMaxNameOctets = 255;
constexpr std::size_t kMaxCharStringOctets = 255;
constexpr std::size_t kMaxRdataOctets = 65535;
// RFC 2181 8: a TTL is an unsigned 31-bit number.
constexpr std::uint64_t kMaxTtl = 0x7fffffff;

struct Token {
    std::string text;  // raw: quoted strings without the quotes, escapes not decoded
    bool quoted = false;
};

struct Entry {
    int line = 0;
    bool owner_omitted = false;  // the line began with white space
    std::vector<Token> tokens;
};

class Failure {
public:
    Failure(const std::string& file) : file_(file) {}
    Error at(int line, const std::string& what) const {
        return Error(file_ + ":" + std::to_string(line) + ": " + what);
    }

private:
    const std::string& file_;
};

std::string quote_for_error(std::string_view s) { return "\"" + printable(s, 80) + "\""; }

// Splits the text into entries. A line that starts with white space omits
// its owner; "(" ... ")" continue an entry over several lines.
Result<std::vector<Entry>> lex(std::string_view text, const Failure& fail) {
    std::vector<Entry> entries;
    Entry cur;
    int line = 1;
    int paren_line = 0;
    int depth = 0;
    std::size_t line_start = 0;
    std::size_t entry_octets = 0;
    bool at_line_start = true;

    auto flush = [&]() {
        if (!cur.tokens.empty()) entries.push_back(std::move(cur));
        cur = Entry{};
        entry_octets = 0;
    };
    auto add_token = [&](Token t) -> bool {
        entry_octets += t.text.size() + 1;
        if (entry_octets > kMaxZoneEntryOctets) return false;
        if (cur.tokens.empty()) cur.line = line;
        cur.tokens.push_back(std::move(t));
        return true;
    };

    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (at_line_start) {
            at_line_start = false;
            if (depth == 0) {
                flush();
                cur.owner_omitted = (c == ' ' || c == '\t');
            }
        }
        if (c == '\n') {
            if (i - line_start > kMaxZoneLineOctets) return fail.at(line, "line too long");
            ++line;
            line_start = i + 1;
            at_line_start = true;
            ++i;
            continue;
        }
        if (i - line_start > kMaxZoneLineOctets) return fail.at(line, "line too long");
        if (c == ' ' || c == '\t' || c == '\r') {
            ++i;
            continue;
        }
        if (c == ';') {
            while (i < text.size() && text[i] != '\n') ++i;
            continue;
        }
        if (c == '(') {
            if (depth == 0) paren_line = line;
            if (++depth > 1) return fail.at(line, "nested parentheses");
            ++i;
            continue;
        }
        if (c == ')') {
            if (--depth < 0) return fail.at(line, "\")\" without \"(\"");
            ++i;
            continue;
        }
        Token t;
        if (c == '"') {
            t.quoted = true;
            ++i;
            bool closed = false;
            while (i < text.size()) {
                const char q = text[i];
                if (q == '\n') break;
                if (q == '\\') {
                    if (i + 1 >= text.size() || text[i + 1] == '\n') break;
                    t.text.append(text.substr(i, 2));
                    i += 2;
                    continue;
                }
                ++i;
                if (q == '"') {
                    closed = true;
                    break;
                }
                t.text.push_back(q);
            }
            if (!closed) return fail.at(line, "unterminated quoted string");
        } else {
            while (i < text.size()) {
                const char u = text[i];
                if (u == ' ' || u == '\t' || u == '\r' || u == '\n' || u == ';' || u == '(' || u == ')' ||
                    u == '"')
                    break;
                if (u == '\\') {
                    if (i + 1 >= text.size() || text[i + 1] == '\n') return fail.at(line, "backslash at end of line");
                    t.text.append(text.substr(i, 2));
                    i += 2;
                    continue;
                }
                t.text.push_back(u);
                ++i;
            }
        }
        if (!add_token(std::move(t))) return fail.at(line, "entry too long");
    }
    if (text.size() - line_start > kMaxZoneLineOctets) return fail.at(line, "line too long");
    if (depth != 0) return fail.at(paren_line, "\"(\" without \")\"");
    flush();
    return entries;
}

// Decodes \X and \DDD (RFC 1035 5.1) in a character-string.
std::optional<std::string> decode_escapes(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\\') {
            out.push_back(raw[i]);
            continue;
        }
        if (i + 1 >= raw.size()) return std::nullopt;
        const auto digit = [&](std::size_t k) { return k < raw.size() && raw[k] >= '0' && raw[k] <= '9'; };
        if (digit(i + 1)) {
            if (!digit(i + 2) || !digit(i + 3)) return std::nullopt;
            const int v = (raw[i + 1] - '0') * 100 + (raw[i + 2] - '0') * 10 + (raw[i + 3] - '0');
            if (v > 255) return std::nullopt;
            out.push_back(static_cast<char>(v));
            i += 3;
        } else {
            out.push_back(raw[i + 1]);
            ++i;
        }
    }
    return out;
}

// A character-string in presentation form: quoted, with " and \ escaped and
// bytes outside printable ASCII as \DDD, so libunbound reads back the same bytes.
std::string quote_char_string(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c < 0x20 || c >= 0x7f) {
            out.push_back('\\');
            out.push_back(static_cast<char>('0' + c / 100));
            out.push_back(static_cast<char>('0' + c / 10 % 10));
            out.push_back(static_cast<char>('0' + c % 10));
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    out.push_back('"');
    return out;
}

bool name_char_ok(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '/' || c == '*';
}

// The absolute, lower-case form of a name as written in the file; "@" is the
// origin, a name without a final dot is relative to it.
Result<std::string> make_name(const Token& tok, const std::string& origin) {
    if (tok.quoted) return Error("quoted name " + quote_for_error(tok.text));
    const std::string_view t = tok.text;
    std::string full;
    if (t == "@") {
        full = origin;
    } else if (t == ".") {
        full = ".";
    } else if (!t.empty() && t.back() == '.') {
        full = to_lower(t);
    } else {
        full = to_lower(t);
        full += origin == "." ? "." : "." + origin;
    }
    if (full == ".") return full;
    // Walk the labels of "a.b.c." checking characters and lengths.
    std::size_t wire = 1;
    std::size_t start = 0;
    for (std::size_t i = 0; i < full.size(); ++i) {
        if (full[i] == '.') {
            const std::size_t len = i - start;
            if (len == 0) return Error("empty label in name " + quote_for_error(t));
            if (len > kMaxLabelOctets) return Error("label longer than 63 octets in name " + quote_for_error(t));
            wire += len + 1;
            start = i + 1;
        } else if (!name_char_ok(full[i])) {
            return Error("bad character in name " + quote_for_error(t));
        }
    }
    if (wire > kMaxNameOctets) return Error("name longer than 255 octets: " + quote_for_error(t));
    return full;
}

// A TTL: seconds, or BIND's units (1h30m, 2d, 1w).
std::optional<std::uint32_t> parse_ttl(std::string_view s) {
    if (s.empty() || s.size() > 32) return std::nullopt;
    if (auto n = parse_number<std::uint64_t>(s)) {
        if (*n > kMaxTtl) return std::nullopt;
        return static_cast<std::uint32_t>(*n);
    }
    std::uint64_t total = 0;
    std::size_t i = 0;
    while (i < s.size()) {
        std::uint64_t n = 0;
        std::size_t digits = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            n = n * 10 + static_cast<std::uint64_t>(s[i] - '0');
            if (n > kMaxTtl) return std::nullopt;
            ++i;
            ++digits;
        }
        if (digits == 0 || i >= s.size()) return std::nullopt;
        std::uint64_t unit = 0;
        switch (s[i] | 0x20) {
            case 's': unit = 1; break;
            case 'm': unit = 60; break;
            case 'h': unit = 3600; break;
            case 'd': unit = 86400; break;
            case 'w': unit = 604800; break;
            default: return std::nullopt;
        }
        ++i;
        total += n * unit;
        if (total > kMaxTtl) return std::nullopt;
    }
    return static_cast<std::uint32_t>(total);
}

bool looks_like_ttl(const Token& t) { return !t.quoted && !t.text.empty() && t.text[0] >= '0' && t.text[0] <= '9'; }

std::optional<RrType> parse_type(std::string_view s) {
    static constexpr std::pair<std::string_view, RrType> kTypes[] = {
        {"A", RrType::A},     {"NS", RrType::NS},   {"CNAME", RrType::CNAME}, {"SOA", RrType::SOA},
        {"PTR", RrType::PTR}, {"MX", RrType::MX},   {"TXT", RrType::TXT},     {"AAAA", RrType::AAAA},
        {"TLSA", RrType::TLSA}, {"SRV", RrType::SRV},
    };
    for (const auto& [name, type] : kTypes)
        if (iequals(s, name)) return type;
    return std::nullopt;
}

template <class T>
std::optional<T> plain_number(const Token& t) {
    if (t.quoted) return std::nullopt;
    return parse_number<T>(t.text);
}

// Checks the RDATA tokens of one record and returns its canonical text.
Result<std::string> make_rdata(RrType type, const std::vector<Token>& rd, const std::string& origin) {
    auto want = [&](std::size_t n) -> Result<void> {
        if (rd.size() < n) return Error("missing data for " + type_name(type) + " record");
        if (rd.size() > n) return Error("unexpected text after " + type_name(type) + " data: " + quote_for_error(rd[n].text));
        return {};
    };
    switch (type) {
        case RrType::A:
        case RrType::AAAA: {
            if (auto r = want(1); !r) return r.error();
            const int af = type == RrType::A ? AF_INET : AF_INET6;
            unsigned char buf[16];
            char out[INET6_ADDRSTRLEN];
            if (rd[0].quoted || rd[0].text.size() >= INET6_ADDRSTRLEN ||
                inet_pton(af, rd[0].text.c_str(), buf) != 1 || !inet_ntop(af, buf, out, sizeof out))
                return Error("bad " + type_name(type) + " address " + quote_for_error(rd[0].text));
            return std::string(out);
        }
        case RrType::MX: {
            if (auto r = want(2); !r) return r.error();
            auto pref = plain_number<std::uint16_t>(rd[0]);
            if (!pref) return Error("bad MX preference " + quote_for_error(rd[0].text));
            auto host = make_name(rd[1], origin);
            if (!host) return host.error();
            return std::to_string(*pref) + " " + *host;
        }
        case RrType::TXT: {
            if (rd.empty()) return Error("missing data for TXT record");
            std::string out;
            std::size_t wire = 0;
            for (const Token& t : rd) {
                auto s = decode_escapes(t.text);
                if (!s) return Error("bad escape in TXT string " + quote_for_error(t.text));
                if (s->size() > kMaxCharStringOctets)
                    return Error("TXT string longer than 255 octets (split it into several strings)");
                wire += s->size() + 1;
                if (wire > kMaxRdataOctets) return Error("TXT data longer than 65535 octets");
                if (!out.empty()) out.push_back(' ');
                out += quote_char_string(*s);
            }
            return out;
        }
        case RrType::PTR:
        case RrType::CNAME:
        case RrType::NS: {
            if (auto r = want(1); !r) return r.error();
            auto target = make_name(rd[0], origin);
            if (!target) return target.error();
            return *target;
        }
        case RrType::SOA: {
            if (auto r = want(7); !r) return r.error();
            auto mname = make_name(rd[0], origin);
            if (!mname) return mname.error();
            auto rname = make_name(rd[1], origin);
            if (!rname) return rname.error();
            std::string out = *mname + " " + *rname;
            auto serial = plain_number<std::uint32_t>(rd[2]);
            if (!serial) return Error("bad SOA serial " + quote_for_error(rd[2].text));
            out += " " + std::to_string(*serial);
            for (std::size_t k = 3; k < 7; ++k) {
                auto v = rd[k].quoted ? std::nullopt : parse_ttl(rd[k].text);
                if (!v) return Error("bad SOA time " + quote_for_error(rd[k].text));
                out += " " + std::to_string(*v);
            }
            return out;
        }
        case RrType::SRV: {  // RFC 2782: priority weight port target
            if (auto r = want(4); !r) return r.error();
            std::string out;
            static constexpr const char* kField[] = {"priority", "weight", "port"};
            for (std::size_t k = 0; k < 3; ++k) {
                auto v = plain_number<std::uint16_t>(rd[k]);
                if (!v) return Error(std::string("bad SRV ") + kField[k] + " " + quote_for_error(rd[k].text));
                out += std::to_string(*v) + " ";
            }
            auto target = make_name(rd[3], origin);
            if (!target) return target.error();
            return out + *target;
        }
        case RrType::TLSA: {
            if (rd.size() < 4) return Error("missing data for TLSA record");
            std::string out;
            static constexpr const char* kField[] = {"usage", "selector", "matching type"};
            for (std::size_t k = 0; k < 3; ++k) {
                auto v = plain_number<std::uint8_t>(rd[k]);
                if (!v) return Error(std::string("bad TLSA ") + kField[k] + " " + quote_for_error(rd[k].text));
                out += std::to_string(*v) + " ";
            }
            std::string hex;
            for (std::size_t k = 3; k < rd.size(); ++k) {
                if (rd[k].quoted || rd[k].text.empty()) return Error("bad TLSA hex data " + quote_for_error(rd[k].text));
                for (char c : rd[k].text) {
                    const bool ok = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
                    if (!ok) return Error("bad TLSA hex data " + quote_for_error(rd[k].text));
                    hex.push_back(static_cast<char>(c | 0x20));
                }
            }
            if (hex.size() % 2 != 0) return Error("odd number of hex digits in TLSA data");
            if (hex.size() / 2 + 3 > kMaxRdataOctets) return Error("TLSA data longer than 65535 octets");
            return out + hex;
        }
    }
    return Error("unsupported type");
}

}  // namespace

std::string type_name(RrType type) {
    switch (type) {
        case RrType::A: return "A";
        case RrType::NS: return "NS";
        case RrType::CNAME: return "CNAME";
        case RrType::SOA: return "SOA";
        case RrType::PTR: return "PTR";
        case RrType::MX: return "MX";
        case RrType::TXT: return "TXT";
        case RrType::AAAA: return "AAAA";
        case RrType::TLSA: return "TLSA";
        case RrType::SRV: return "SRV";
    }
    return "TYPE" + std::to_string(static_cast<unsigned>(type));
}

std::string ZoneRecord::to_text() const {
    return owner + " " + std::to_string(ttl) + " IN " + type_name(type) + " " + rdata;
}

Result<std::vector<ZoneRecord>> parse_zone_text(std::string_view text, const std::string& filename) {
    const Failure fail(filename);
    if (text.size() > kMaxZoneFileBytes) return fail.at(1, "file larger than " + std::to_string(kMaxZoneFileBytes) + " octets");
    auto entries = lex(text, fail);
    if (!entries) return entries.error();

    std::vector<ZoneRecord> records;
    std::string origin = ".";
    std::optional<std::uint32_t> default_ttl;  // $TTL
    std::optional<std::uint32_t> last_ttl;     // RFC 1035 5.1: the last explicit TTL
    std::string last_owner;

    for (const Entry& e : *entries) {
        const auto& tk = e.tokens;
        if (!e.owner_omitted && !tk[0].quoted && tk[0].text.starts_with('$')) {
            const std::string& d = tk[0].text;
            if (iequals(d, "$ORIGIN")) {
                if (tk.size() != 2) return fail.at(e.line, "$ORIGIN takes one name");
                auto o = make_name(tk[1], origin);
                if (!o) return fail.at(e.line, o.error().message);
                origin = *o;
            } else if (iequals(d, "$TTL")) {
                if (tk.size() != 2) return fail.at(e.line, "$TTL takes one value");
                auto t = tk[1].quoted ? std::nullopt : parse_ttl(tk[1].text);
                if (!t) return fail.at(e.line, "bad TTL " + quote_for_error(tk[1].text));
                default_ttl = *t;
            } else if (iequals(d, "$INCLUDE") || iequals(d, "$GENERATE")) {
                return fail.at(e.line, printable(d) + " is not supported");
            } else {
                return fail.at(e.line, "unknown directive " + quote_for_error(d));
            }
            continue;
        }

        ZoneRecord rec;
        rec.line = e.line;
        std::size_t i = 0;
        if (e.owner_omitted) {
            if (last_owner.empty()) return fail.at(e.line, "no owner name (the first record must name one)");
            rec.owner = last_owner;
        } else {
            auto o = make_name(tk[0], origin);
            if (!o) return fail.at(e.line, o.error().message);
            rec.owner = *o;
            i = 1;
        }
        std::optional<std::uint32_t> ttl;
        bool have_class = false;
        for (int k = 0; k < 2 && i < tk.size(); ++k) {
            if (!ttl && looks_like_ttl(tk[i])) {
                ttl = parse_ttl(tk[i].text);
                if (!ttl) return fail.at(e.line, "bad TTL " + quote_for_error(tk[i].text));
                ++i;
            } else if (!have_class && !tk[i].quoted && iequals(tk[i].text, "IN")) {
                have_class = true;
                ++i;
            } else if (!have_class && !tk[i].quoted &&
                       (iequals(tk[i].text, "CH") || iequals(tk[i].text, "HS") || iequals(tk[i].text, "CS"))) {
                return fail.at(e.line, "class " + printable(tk[i].text) + " is not supported (only IN)");
            }
        }
        if (i >= tk.size()) return fail.at(e.line, "missing record type");
        auto type = tk[i].quoted ? std::nullopt : parse_type(tk[i].text);
        if (!type) return fail.at(e.line, "unknown record type " + quote_for_error(tk[i].text));
        rec.type = *type;
        ++i;
        const std::vector<Token> rd(tk.begin() + static_cast<std::ptrdiff_t>(i), tk.end());
        auto rdata = make_rdata(rec.type, rd, origin);
        if (!rdata) return fail.at(e.line, rdata.error().message);
        rec.rdata = std::move(*rdata);
        if (ttl) last_ttl = ttl;
        rec.ttl = ttl ? *ttl : default_ttl ? *default_ttl : last_ttl ? *last_ttl : kDefaultZoneTtl;
        last_owner = rec.owner;
        if (records.size() >= kMaxZoneRecords)
            return fail.at(e.line, "more than " + std::to_string(kMaxZoneRecords) + " records");
        records.push_back(std::move(rec));
    }

    // RFC 1034 3.6.2: a name with a CNAME has no other data.
    struct Seen {
        int cname = 0;
        int other = 0;
    };
    std::map<std::string_view, Seen> seen;
    for (const ZoneRecord& r : records) {
        Seen& s = seen[r.owner];
        if (r.type == RrType::CNAME) {
            if (s.cname) return fail.at(r.line, "more than one CNAME at " + r.owner);
            if (s.other) return fail.at(r.line, "CNAME and other data at " + r.owner);
            s.cname = r.line;
        } else {
            if (s.cname) return fail.at(r.line, "CNAME and other data at " + r.owner);
            ++s.other;
        }
    }
    return records;
}

Result<std::vector<ZoneRecord>> load_zone_file(const std::string& path) {
    auto text = read_file(path, kMaxZoneFileBytes);
    if (!text) return text.error();
    return parse_zone_text(*text, path);
}

}  // namespace tern::dns
