// Parsing SPF records (RFC 7208 sections 4.5, 4.6.1, 5, 6 and the ABNF of
// section 12): every mechanism and qualifier, CIDR lengths, modifiers, and a
// precise message for each kind of syntax error.
#include <catch2/catch.hpp>

#include "libmail/spf/record.h"

using namespace tern::spf;

namespace {

Record parse(std::string_view text) {
    INFO(text);
    auto r = parse_record(text);
    if (!r) FAIL(r.error().message);
    return std::move(*r);
}

std::string error_of(std::string_view text) {
    INFO(text);
    auto r = parse_record(text);
    REQUIRE_FALSE(r);
    return r.error().message;
}

}  // namespace

TEST_CASE("record selection: v=spf1 then a space or the end, any case", "[spf][record]") {
    CHECK(is_spf_record("v=spf1"));
    CHECK(is_spf_record("v=spf1 -all"));
    CHECK(is_spf_record("V=SPF1 -all"));
    CHECK_FALSE(is_spf_record("v=spf10 -all"));
    CHECK_FALSE(is_spf_record("v=spf1-all"));
    CHECK_FALSE(is_spf_record(" v=spf1 -all"));
    CHECK_FALSE(is_spf_record("spf2.0/pra -all"));
    CHECK(parse("v=spf1").mechanisms.empty());
    CHECK(parse("v=spf1   ").mechanisms.empty());
}

TEST_CASE("every mechanism with its qualifier", "[spf][record]") {
    const Record r = parse("v=spf1 all +include:_spf.example.com -a ~mx ?ptr ip4:192.0.2.1 ip6:2001:db8::1 "
                           "exists:%{i}.bl.example.org");
    REQUIRE(r.mechanisms.size() == 8);
    CHECK(r.mechanisms[0].kind == MechanismKind::All);
    CHECK(r.mechanisms[0].qualifier == Qualifier::Pass);  // 4.6.2: the default qualifier is "+"
    CHECK(r.mechanisms[1].kind == MechanismKind::Include);
    CHECK(r.mechanisms[1].qualifier == Qualifier::Pass);
    CHECK(r.mechanisms[1].domain == "_spf.example.com");
    CHECK(r.mechanisms[2].kind == MechanismKind::A);
    CHECK(r.mechanisms[2].qualifier == Qualifier::Fail);
    CHECK(r.mechanisms[2].domain.empty());
    CHECK(r.mechanisms[3].kind == MechanismKind::Mx);
    CHECK(r.mechanisms[3].qualifier == Qualifier::SoftFail);
    CHECK(r.mechanisms[4].kind == MechanismKind::Ptr);
    CHECK(r.mechanisms[4].qualifier == Qualifier::Neutral);
    CHECK(r.mechanisms[5].kind == MechanismKind::Ip4);
    CHECK(r.mechanisms[5].network.text() == "192.0.2.1");
    CHECK(r.mechanisms[5].cidr4 == 32);
    CHECK(r.mechanisms[6].kind == MechanismKind::Ip6);
    CHECK(r.mechanisms[6].network.text() == "2001:db8::1");
    CHECK(r.mechanisms[6].cidr6 == 128);
    CHECK(r.mechanisms[7].kind == MechanismKind::Exists);
    CHECK(r.mechanisms[7].domain == "%{i}.bl.example.org");
    CHECK(r.mechanisms[1].text == "+include:_spf.example.com");
    CHECK(r.mechanisms[5].text == "ip4:192.0.2.1");
    CHECK(r.has_all());
}

TEST_CASE("mechanism and modifier names are case-insensitive", "[spf][record]") {
    const Record r = parse("v=spf1 MX IP4:192.0.2.0/24 Include:example.com REDIRECT=example.org -ALL");
    REQUIRE(r.mechanisms.size() == 4);
    CHECK(r.mechanisms[0].kind == MechanismKind::Mx);
    CHECK(r.mechanisms[1].kind == MechanismKind::Ip4);
    CHECK(r.mechanisms[2].kind == MechanismKind::Include);
    CHECK(r.mechanisms[3].kind == MechanismKind::All);
    CHECK(r.redirect == "example.org");
}

TEST_CASE("CIDR lengths: ip4, ip6, and dual-cidr on a and mx", "[spf][record]") {
    const Record r = parse("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a/24 mx//64 a:example.com/16//48 "
                           "mx:example.com//0 ip4:0.0.0.0/0 a/0 a:x.example.com/32//128");
    REQUIRE(r.mechanisms.size() == 9);
    CHECK(r.mechanisms[0].cidr4 == 24);
    CHECK(r.mechanisms[1].cidr6 == 32);
    CHECK(r.mechanisms[2].cidr4 == 24);
    CHECK(r.mechanisms[2].cidr6 == 128);
    CHECK(r.mechanisms[3].cidr4 == 32);
    CHECK(r.mechanisms[3].cidr6 == 64);
    CHECK(r.mechanisms[4].domain == "example.com");
    CHECK(r.mechanisms[4].cidr4 == 16);
    CHECK(r.mechanisms[4].cidr6 == 48);
    CHECK(r.mechanisms[5].domain == "example.com");
    CHECK(r.mechanisms[5].cidr6 == 0);
    CHECK(r.mechanisms[6].cidr4 == 0);
    CHECK(r.mechanisms[7].cidr4 == 0);
    CHECK(r.mechanisms[8].cidr4 == 32);
    CHECK(r.mechanisms[8].cidr6 == 128);
}

TEST_CASE("modifiers: redirect, exp, unknown ones ignored", "[spf][record]") {
    const Record r = parse("v=spf1 -all exp=explain._spf.%{d} redirect=_spf.example.com moo.cow-far_out=man:dog/cat "
                           "ra=postmaster rp=100 rr=all");
    CHECK(r.mechanisms.size() == 1);
    CHECK(r.redirect == "_spf.example.com");
    CHECK(r.exp == "explain._spf.%{d}");
    CHECK(parse("v=spf1 foo=").mechanisms.empty());  // an unknown modifier's value may be empty
}

TEST_CASE("syntax errors: what and where", "[spf][record]") {
    CHECK(error_of("v=spf1 -all foo") == "term 2 \"foo\" (offset 12): unknown mechanism \"foo\"");
    CHECK(error_of("v=spf1 ip4:192.0.2.300") ==
          "term 1 \"ip4:192.0.2.300\" (offset 7): bad IPv4 network \"192.0.2.300\"");
    CHECK(error_of("v=spf1 ip4:2001:db8::1") == "term 1 \"ip4:2001:db8::1\" (offset 7): bad IPv4 network \"2001:db8::1\"");
    CHECK(error_of("v=spf1 ip6:192.0.2.1") == "term 1 \"ip6:192.0.2.1\" (offset 7): bad IPv6 network \"192.0.2.1\"");
    CHECK(error_of("v=spf1 ip4:192.0.2.0/33") == "term 1 \"ip4:192.0.2.0/33\" (offset 7): bad CIDR length \"/33\"");
    CHECK(error_of("v=spf1 ip4:192.0.2.0/024") == "term 1 \"ip4:192.0.2.0/024\" (offset 7): bad CIDR length \"/024\"");
    CHECK(error_of("v=spf1 ip6:2001:db8::/129") == "term 1 \"ip6:2001:db8::/129\" (offset 7): bad CIDR length \"/129\"");
    CHECK(error_of("v=spf1 ip4") == "term 1 \"ip4\" (offset 7): \"ip4\" needs \":address\"");
    CHECK(error_of("v=spf1 a/33") == "term 1 \"a/33\" (offset 7): bad IPv4 CIDR length \"/33\"");
    CHECK(error_of("v=spf1 mx//129") == "term 1 \"mx//129\" (offset 7): bad IPv6 CIDR length \"//129\"");
    CHECK(error_of("v=spf1 a:") == "term 1 \"a:\" (offset 7): \"a\" takes \":domain\" or a CIDR length");
    CHECK(error_of("v=spf1 include") == "term 1 \"include\" (offset 7): \"include\" needs \":domain\"");
    CHECK(error_of("v=spf1 exists:") == "term 1 \"exists:\" (offset 7): \"exists\" needs \":domain\"");
    CHECK(error_of("v=spf1 all:foo.com") == "term 1 \"all:foo.com\" (offset 7): \"all\" takes no argument");
    CHECK(error_of("v=spf1 ptr/24") == "term 1 \"ptr/24\" (offset 7): \"ptr\" takes only \":domain\"");
    CHECK(error_of("v=spf1 -") == "term 1 \"-\" (offset 7): missing mechanism name");
    CHECK(error_of("v=spf1 include:localhost") ==
          "term 1 \"include:localhost\" (offset 7): domain \"localhost\" does not end with a top-level label or a macro");
    CHECK(error_of("v=spf1 a:%{x}.example.com") ==
          "term 1 \"a:%{x}.example.com\" (offset 7): bad macro letter 'x' at offset 2");
    CHECK(error_of("v=spf1 exists:%{c}.example.com") ==
          "term 1 \"exists:%{c}.example.com\" (offset 7): macro letter 'c' is allowed only in exp text at offset 2");
    CHECK(error_of("v=spf1 redirect=a.example redirect=b.example") ==
          "term 2 \"redirect=b.example\" (offset 26): redirect= appears more than once");
    CHECK(error_of("v=spf1 exp=a.example exp=b.example") ==
          "term 2 \"exp=b.example\" (offset 21): exp= appears more than once");
    CHECK(error_of("v=spf1 foo=%{z}") == "term 1 \"foo=%{z}\" (offset 7): bad macro letter 'z' at offset 2");
    CHECK(error_of("v=spf1 redirect=") == "term 1 \"redirect=\" (offset 7): empty domain");
    CHECK(error_of("v=spf1 -all\t") == "term 1 \"-all?\" (offset 7): unknown mechanism \"all?\"");
    CHECK(error_of("v=spf1 a:ex\xc3\xa9.com") ==
          "term 1 \"a:ex??.com\" (offset 7): bad character 0xc3 at offset 2");
    CHECK(error_of("spf2.0/pra") == "not an SPF record (it must start with \"v=spf1\")");
}

TEST_CASE("size limit on input", "[spf][record]") {
    std::string big = "v=spf1";
    while (big.size() + 20 <= kMaxRecordOctets) big += " ip4:192.0.2.1";
    CHECK(parse_record(big));
    big.append(kMaxRecordOctets - big.size(), ' ');
    CHECK(parse_record(big));
    big += ' ';
    CHECK(error_of(big) == "record longer than 4096 octets");
}
