// The SPF macro language (RFC 7208 section 7): every example of section 7.4
// with the RFC's own inputs, then each rule of sections 7.1-7.3 on its own.
#include <catch2/catch.hpp>

#include "libmail/spf/macro.h"

using namespace tern::spf;

namespace {

// Section 7.4: sender strong-bad@email.example.com, client 192.0.2.3 (or
// 2001:db8::cb01), PTR name mx.example.org.
MacroContext rfc_context(const char* ip = "192.0.2.3") {
    MacroContext c;
    c.sender = "strong-bad@email.example.com";
    c.local_part = "strong-bad";
    c.sender_domain = "email.example.com";
    c.domain = "email.example.com";
    c.ip = *Address::parse(ip);
    c.validated = "mx.example.org";
    c.helo = "mx.example.org";
    c.receiver = "mx.example.net";
    c.now = 1700000000;
    return c;
}

std::string expand(std::string_view s, const MacroContext& c = rfc_context()) {
    INFO(s);
    REQUIRE(check_macro_syntax(s, MacroKind::Explain).empty());
    auto e = expand_macros(s, c);
    REQUIRE(e);
    return *e;
}

}  // namespace

TEST_CASE("RFC 7208 7.4: single macros", "[spf][macro]") {
    CHECK(expand("%{s}") == "strong-bad@email.example.com");
    CHECK(expand("%{o}") == "email.example.com");
    CHECK(expand("%{d}") == "email.example.com");
    CHECK(expand("%{d4}") == "email.example.com");
    CHECK(expand("%{d3}") == "email.example.com");
    CHECK(expand("%{d2}") == "example.com");
    CHECK(expand("%{d1}") == "com");
    CHECK(expand("%{dr}") == "com.example.email");
    CHECK(expand("%{d2r}") == "example.email");
    CHECK(expand("%{l}") == "strong-bad");
    CHECK(expand("%{l-}") == "strong.bad");
    CHECK(expand("%{lr}") == "strong-bad");
    CHECK(expand("%{lr-}") == "bad.strong");
    CHECK(expand("%{l1r-}") == "strong");
}

TEST_CASE("RFC 7208 7.4: macro-strings, IPv4", "[spf][macro]") {
    CHECK(expand("%{ir}.%{v}._spf.%{d2}") == "3.2.0.192.in-addr._spf.example.com");
    CHECK(expand("%{lr-}.lp._spf.%{d2}") == "bad.strong.lp._spf.example.com");
    CHECK(expand("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}") == "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
    CHECK(expand("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}") == "3.2.0.192.in-addr.strong.lp._spf.example.com");
    CHECK(expand("%{d2}.trusted-domains.example.net") == "example.com.trusted-domains.example.net");
}

TEST_CASE("RFC 7208 7.4: macro-string, IPv6", "[spf][macro]") {
    CHECK(expand("%{ir}.%{v}._spf.%{d2}", rfc_context("2001:db8::cb01")) ==
          "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

TEST_CASE("the other letters: i p h c r t v", "[spf][macro]") {
    CHECK(expand("%{i}") == "192.0.2.3");
    CHECK(expand("%{p}") == "mx.example.org");
    CHECK(expand("%{h}") == "mx.example.org");
    CHECK(expand("%{c}") == "192.0.2.3");
    CHECK(expand("%{r}") == "mx.example.net");
    CHECK(expand("%{t}") == "1700000000");
    CHECK(expand("%{v}") == "in-addr");
    const MacroContext v6 = rfc_context("2001:db8::cb01");
    CHECK(expand("%{c}", v6) == "2001:db8::cb01");  // 7.3: c is the readable form
    CHECK(expand("%{v}", v6) == "ip6");
    CHECK(expand("%{i}", v6) == "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1");
    MacroContext none = rfc_context();
    none.validated.clear();
    none.receiver.clear();
    CHECK(expand("%{p}", none) == "unknown");  // 7.3: no validated name
    CHECK(expand("%{r}", none) == "unknown");
    // An IPv4-mapped IPv6 client is its IPv4 address.
    CHECK(expand("%{i} %{v}", rfc_context("::ffff:192.0.2.3")) == "192.0.2.3 in-addr");
}

TEST_CASE("escapes and URL-escaped upper-case letters", "[spf][macro]") {
    CHECK(expand("100%% a%_b c%-d") == "100% a b c%20d");
    CHECK(expand("%{S}") == "strong-bad%40email.example.com");  // 7.3: upper case is URL-escaped
    CHECK(expand("%{L}") == "strong-bad");
    MacroContext c = rfc_context();
    c.local_part = "a b~c+d";
    CHECK(expand("%{L}", c) == "a%20b~c%2Bd");
    CHECK(expand("%{l}", c) == "a b~c+d");
}

TEST_CASE("transformers: digits, reversal, every delimiter", "[spf][macro]") {
    MacroContext c = rfc_context();
    c.local_part = "a.b-c+d,e/f_g=h";
    CHECK(expand("%{l.-+,/_=}", c) == "a.b.c.d.e.f.g.h");
    CHECK(expand("%{lr.-+,/_=}", c) == "h.g.f.e.d.c.b.a");
    CHECK(expand("%{l2r.-+,/_=}", c) == "b.a");
    CHECK(expand("%{l_}", c) == "a.b-c+d,e/f.g=h");
    CHECK(expand("%{d999}") == "email.example.com");
    CHECK(expand("%{dR}") == "com.example.email");
}

TEST_CASE("syntax errors say what and where", "[spf][macro]") {
    CHECK(check_macro_syntax("%{x}", MacroKind::MacroString) == "bad macro letter 'x' at offset 2");
    CHECK(check_macro_syntax("ab%{d", MacroKind::MacroString) == "unterminated macro at offset 2");
    CHECK(check_macro_syntax("%{d0}", MacroKind::MacroString) == "macro transformer 0 (must be nonzero) at offset 3");
    CHECK(check_macro_syntax("%{d1234}", MacroKind::MacroString) == "too many digits in macro transformer at offset 6");
    CHECK(check_macro_syntax("%{d!}", MacroKind::MacroString) == "bad character '!' in macro at offset 3");
    CHECK(check_macro_syntax("a%b", MacroKind::MacroString) == "bad character 'b' after '%' at offset 2");
    CHECK(check_macro_syntax("ab%", MacroKind::MacroString) == "'%' at the end at offset 2");
    CHECK(check_macro_syntax("a b", MacroKind::MacroString) == "bad character 0x20 at offset 1");
    CHECK(check_macro_syntax("a b", MacroKind::Explain).empty());
    CHECK(check_macro_syntax("a\tb", MacroKind::Explain) == "bad character 0x09 at offset 1");
    // 7.1: c, r and t only in exp text.
    CHECK(check_macro_syntax("%{c}.example.com", MacroKind::DomainSpec) ==
          "macro letter 'c' is allowed only in exp text at offset 2");
    CHECK(check_macro_syntax("%{r}.example.com", MacroKind::MacroString) ==
          "macro letter 'r' is allowed only in exp text at offset 2");
    CHECK(check_macro_syntax("%{T}", MacroKind::DomainSpec) == "macro letter 'T' is allowed only in exp text at offset 2");
    CHECK(check_macro_syntax("%{c} %{r} %{t}", MacroKind::Explain).empty());
}

TEST_CASE("domain-spec must end with a top label or a macro", "[spf][macro]") {
    for (const char* ok : {"example.com", "example.com.", "%{d}", "%{ir}.%{v}._spf.%{d2}", "_spf.%{d}",
                           "a.1-2", "x.%%", "foo.example.c0m"}) {
        INFO(ok);
        CHECK(check_macro_syntax(ok, MacroKind::DomainSpec).empty());
    }
    CHECK(check_macro_syntax("", MacroKind::DomainSpec) == "empty domain");
    CHECK(check_macro_syntax("localhost", MacroKind::DomainSpec) ==
          "domain \"localhost\" does not end with a top-level label or a macro");
    for (const char* bad : {"example.123", "example.com..", "example.-com", "example.com-", "%{d}.", "%{d}.1"}) {
        INFO(bad);
        CHECK_FALSE(check_macro_syntax(bad, MacroKind::DomainSpec).empty());
    }
}

TEST_CASE("uses_validated_name finds %{p} only", "[spf][macro]") {
    CHECK(uses_validated_name("%{p}.example.com"));
    CHECK(uses_validated_name("a.%{P2r}"));
    CHECK_FALSE(uses_validated_name("%%{p}"));
    CHECK_FALSE(uses_validated_name("%{d}.p"));
}

TEST_CASE("expansion size is bounded; long names are cut on the left", "[spf][macro]") {
    MacroContext c = rfc_context();
    c.sender = std::string(300, 'x');
    std::string many;
    for (int i = 0; i < 30; ++i) many += "%{s}";
    CHECK_FALSE(expand_macros(many, c));
    std::string name;
    for (int i = 0; i < 40; ++i) name += "label" + std::to_string(i) + ".";
    name += "example.com";
    const std::string cut = truncate_domain(name);
    CHECK(cut.size() <= kMaxDomainOctets);
    CHECK(name.size() > kMaxDomainOctets);
    CHECK(cut.ends_with(".label39.example.com"));
    CHECK(name.ends_with(cut));
    CHECK(name[name.size() - cut.size() - 1] == '.');  // whole labels removed
    CHECK(truncate_domain("example.com.") == "example.com");
}
