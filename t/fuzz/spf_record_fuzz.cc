// Fuzz target: SPF records from DNS (network input) through the record
// parser, and every macro-string of a parsed record (and the input itself as
// exp text) through expansion with a fixed context. A parsed record's
// domain-specs must expand within the bound, and a domain truncated for a
// query must fit in 253 octets.
#include <cstdint>
#include <string>
#include <string_view>

#include "libmail/spf/macro.h"
#include "libmail/spf/record.h"

namespace {

tern::spf::MacroContext context(bool v6) {
    tern::spf::MacroContext c;
    c.sender = "strong-bad@email.example.com";
    c.local_part = "strong-bad";
    c.sender_domain = "email.example.com";
    c.domain = "email.example.com";
    c.ip = *tern::spf::Address::parse(v6 ? "2001:db8::cb01" : "192.0.2.3");
    c.validated = "mx.example.org";
    c.helo = "mx.example.org";
    c.receiver = "mx.example.net";
    c.now = 1700000000;
    return c;
}

void expand_domain(std::string_view spec, const tern::spf::MacroContext& c) {
    using namespace tern::spf;
    if (!check_macro_syntax(spec, MacroKind::DomainSpec).empty()) __builtin_trap();
    if (auto e = expand_macros(spec, c)) {
        if (truncate_domain(*e).size() > kMaxDomainOctets) __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tern::spf;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    static const MacroContext v4 = context(false), v6 = context(true);
    const MacroContext& c = size % 2 ? v6 : v4;
    if (auto rec = parse_record(text)) {
        for (const Mechanism& m : rec->mechanisms)
            if (!m.domain.empty()) expand_domain(m.domain, c);
        if (rec->redirect) expand_domain(*rec->redirect, c);
        if (rec->exp) expand_domain(*rec->exp, c);
    }
    if (size <= kMaxRecordOctets && check_macro_syntax(text, MacroKind::Explain).empty()) {
        auto e = expand_macros(text, c);
        if (e && e->size() > kMaxExpansionOctets) __builtin_trap();
    }
    return 0;
}
