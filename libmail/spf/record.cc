#include "libmail/spf/record.h"

#include "libmail/core/text.h"
#include "libmail/spf/macro.h"

namespace tern::spf {

namespace {

constexpr std::string_view kVersion = "v=spf1";

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
bool is_modifier_name(std::string_view n) {
    if (n.empty() || !is_alpha(n[0])) return false;
    for (char c : n)
        if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_' && c != '.') return false;
    return true;
}

// A CIDR length: "0" or a number without leading zero, at most max.
bool parse_cidr(std::string_view digits, int max, int& out) {
    if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) return false;
    const auto v = parse_number<int>(digits);
    if (!v || *v > max) return false;
    out = *v;
    return true;
}

bool all_digits(std::string_view s) {
    for (char c : s)
        if (!is_digit(c)) return false;
    return true;
}

class TermParser {
public:
    TermParser(std::string_view term, std::size_t index, std::size_t offset)
        : term_(term), index_(index), offset_(offset) {}

    Error error(const std::string& what) const {
        return Error("term " + std::to_string(index_) + " \"" + printable(term_) + "\" (offset " +
                     std::to_string(offset_) + "): " + what);
    }

    tern::Result<void> modifier(std::string_view name, std::string_view value, Record& rec) const {
        const std::string lname = to_lower(name);
        if (lname == "redirect" || lname == "exp") {
            auto& slot = lname == "redirect" ? rec.redirect : rec.exp;
            if (slot) return error(lname + "= appears more than once");
            if (std::string err = check_macro_syntax(value, MacroKind::DomainSpec); !err.empty()) return error(err);
            slot = std::string(value);
            return {};
        }
        // Unknown modifiers are ignored (section 6), but their syntax must hold.
        if (std::string err = check_macro_syntax(value, MacroKind::MacroString); !err.empty()) return error(err);
        return {};
    }

    tern::Result<Mechanism> mechanism() const {
        Mechanism m;
        m.text = std::string(term_);
        std::string_view t = term_;
        switch (t.empty() ? 0 : t[0]) {
        case '+': m.qualifier = Qualifier::Pass; t.remove_prefix(1); break;
        case '-': m.qualifier = Qualifier::Fail; t.remove_prefix(1); break;
        case '~': m.qualifier = Qualifier::SoftFail; t.remove_prefix(1); break;
        case '?': m.qualifier = Qualifier::Neutral; t.remove_prefix(1); break;
        default: break;
        }
        const std::size_t end = t.find_first_of(":/");
        const std::string name = to_lower(t.substr(0, end));
        std::string_view rest = end == std::string_view::npos ? std::string_view() : t.substr(end);
        if (name == "all") {
            m.kind = MechanismKind::All;
            if (!rest.empty()) return error("\"all\" takes no argument");
            return m;
        }
        if (name == "include" || name == "exists") {
            m.kind = name == "include" ? MechanismKind::Include : MechanismKind::Exists;
            if (rest.size() < 2 || rest[0] != ':') return error("\"" + name + "\" needs \":domain\"");
            return with_domain(m, rest.substr(1));
        }
        if (name == "a" || name == "mx") {
            m.kind = name == "a" ? MechanismKind::A : MechanismKind::Mx;
            if (auto r = dual_cidr(rest, m); !r) return r.error();
            if (rest.empty()) return m;
            if (rest.size() < 2 || rest[0] != ':') return error("\"" + name + "\" takes \":domain\" or a CIDR length");
            return with_domain(m, rest.substr(1));
        }
        if (name == "ptr") {
            m.kind = MechanismKind::Ptr;
            if (rest.empty()) return m;
            if (rest.size() < 2 || rest[0] != ':') return error("\"ptr\" takes only \":domain\"");
            return with_domain(m, rest.substr(1));
        }
        if (name == "ip4" || name == "ip6") {
            const bool v6 = name == "ip6";
            m.kind = v6 ? MechanismKind::Ip6 : MechanismKind::Ip4;
            if (rest.size() < 2 || rest[0] != ':') return error("\"" + name + "\" needs \":address\"");
            rest.remove_prefix(1);
            const std::size_t slash = rest.find('/');
            const std::string_view net = rest.substr(0, slash);
            auto a = Address::parse(net);
            const bool family_ok = v6 ? net.find(':') != std::string_view::npos : net.find(':') == std::string_view::npos;
            if (!a || !family_ok) return error("bad " + std::string(v6 ? "IPv6" : "IPv4") + " network \"" +
                                               printable(net) + "\"");
            m.network = *a;
            if (slash != std::string_view::npos) {
                int& len = v6 ? m.cidr6 : m.cidr4;
                if (!parse_cidr(rest.substr(slash + 1), v6 ? 128 : 32, len))
                    return error("bad CIDR length \"" + printable(rest.substr(slash)) + "\"");
            }
            // ip6:::ffff:a.b.c.d names IPv4 addresses: its prefix counts from bit 96.
            if (v6 && !m.network.v6) m.cidr4 = m.cidr6 < 96 ? 0 : m.cidr6 - 96;
            return m;
        }
        if (name.empty()) return error("missing mechanism name");
        return error("unknown mechanism \"" + printable(name) + "\"");
    }

private:
    tern::Result<Mechanism> with_domain(Mechanism m, std::string_view spec) const {
        if (std::string err = check_macro_syntax(spec, MacroKind::DomainSpec); !err.empty()) return error(err);
        m.domain = std::string(spec);
        return m;
    }

    // dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ], taken
    // off the end of rest (the domain-spec itself may hold "/").
    tern::Result<void> dual_cidr(std::string_view& rest, Mechanism& m) const {
        std::size_t slash = rest.rfind('/');
        if (slash == std::string_view::npos || !all_digits(rest.substr(slash + 1))) return {};
        if (slash > 0 && rest[slash - 1] == '/') {
            if (!parse_cidr(rest.substr(slash + 1), 128, m.cidr6))
                return error("bad IPv6 CIDR length \"" + printable(rest.substr(slash - 1)) + "\"");
            rest = rest.substr(0, slash - 1);
            slash = rest.rfind('/');
            if (slash == std::string_view::npos || !all_digits(rest.substr(slash + 1))) return {};
        }
        if (!parse_cidr(rest.substr(slash + 1), 32, m.cidr4))
            return error("bad IPv4 CIDR length \"" + printable(rest.substr(slash)) + "\"");
        rest = rest.substr(0, slash);
        return {};
    }

    std::string_view term_;
    std::size_t index_;
    std::size_t offset_;
};

}  // namespace

bool Record::has_all() const {
    for (const Mechanism& m : mechanisms)
        if (m.kind == MechanismKind::All) return true;
    return false;
}

bool is_spf_record(std::string_view txt) {
    return istarts_with(txt, kVersion) && (txt.size() == kVersion.size() || txt[kVersion.size()] == ' ');
}

tern::Result<Record> parse_record(std::string_view text) {
    if (text.size() > kMaxRecordOctets)
        return Error("record longer than " + std::to_string(kMaxRecordOctets) + " octets");
    if (!is_spf_record(text)) return Error("not an SPF record (it must start with \"v=spf1\")");
    Record rec;
    std::size_t pos = kVersion.size();
    std::size_t index = 0;
    while (pos < text.size()) {
        if (text[pos] == ' ') {
            ++pos;
            continue;
        }
        std::size_t end = text.find(' ', pos);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view term = text.substr(pos, end - pos);
        const TermParser p(term, ++index, pos);
        const std::size_t eq = term.find('=');
        if (eq != std::string_view::npos && is_modifier_name(term.substr(0, eq))) {
            if (auto r = p.modifier(term.substr(0, eq), term.substr(eq + 1), rec); !r) return r.error();
        } else {
            auto m = p.mechanism();
            if (!m) return m.error();
            rec.mechanisms.push_back(std::move(*m));
        }
        pos = end;
    }
    return rec;
}

}  // namespace tern::spf
