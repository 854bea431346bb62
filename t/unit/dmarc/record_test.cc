// The DMARC record parser (RFC 7489 6.3, 6.4, 6.6.3; RFC 9091 np).
#include <catch2/catch.hpp>

#include "libmail/dmarc/record.h"

using namespace tern::dmarc;

TEST_CASE("a full DMARC record gives every tag", "[dmarc][record]") {
    auto r = parse_record(
        "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=r; pct=50; "
        "rua=mailto:agg@example.com!10m,mailto:agg2@example.net; ruf=mailto:f@example.com; fo=1:d; rf=afrf; ri=3600");
    REQUIRE(r);
    CHECK(r->p == Policy::Reject);
    CHECK(r->sp == Policy::Quarantine);
    CHECK(r->np == Policy::Reject);
    CHECK(r->adkim == Alignment::Strict);
    CHECK(r->aspf == Alignment::Relaxed);
    CHECK(r->pct == 50);
    REQUIRE(r->rua.size() == 2);
    CHECK(r->rua[0].uri == "mailto:agg@example.com");
    CHECK(r->rua[0].max_size == 10u << 20);
    CHECK(r->rua[1].uri == "mailto:agg2@example.net");
    CHECK(r->rua[1].max_size == 0);
    REQUIRE(r->ruf.size() == 1);
    CHECK(r->fo == "1:d");
    CHECK(r->ri == 3600);
    CHECK_FALSE(r->p_defaulted);
}

TEST_CASE("defaults of a minimal record", "[dmarc][record]") {
    auto r = parse_record("v=DMARC1;p=none");
    REQUIRE(r);
    CHECK(r->p == Policy::None);
    CHECK(r->subdomain_policy() == Policy::None);
    CHECK(r->nonexistent_policy() == Policy::None);
    CHECK(r->adkim == Alignment::Relaxed);
    CHECK(r->pct == 100);
    CHECK(r->ri == 86400);
    CHECK(r->fo == "0");
    CHECK(r->rf == "afrf");
    CHECK(r->rua.empty());
}

TEST_CASE("sp and np fall back to p", "[dmarc][record]") {
    auto r = parse_record("v=DMARC1; p=quarantine; sp=none");
    REQUIRE(r);
    CHECK(r->subdomain_policy() == Policy::None);
    CHECK(r->nonexistent_policy() == Policy::None);
    auto r2 = parse_record("v=DMARC1; p=reject");
    REQUIRE(r2);
    CHECK(r2->nonexistent_policy() == Policy::Reject);
}

TEST_CASE("tag names and policy values are case-insensitive, white space allowed", "[dmarc][record]") {
    auto r = parse_record("V = DMARC1 ;  P = Reject ; ADKIM=S ;");
    REQUIRE(r);
    CHECK(r->p == Policy::Reject);
    CHECK(r->adkim == Alignment::Strict);
}

TEST_CASE("records that are not DMARC1 or where v is not first", "[dmarc][record]") {
    const char* bad = GENERATE("p=reject; v=DMARC1", "v=DMARC2; p=reject", "v=dmarc1; p=reject", "v=spf1 -all", "");
    CAPTURE(bad);
    CHECK_FALSE(is_dmarc_record(bad));
    CHECK_FALSE(parse_record(bad));
}

TEST_CASE("no valid p: an error, unless rua makes it p=none (RFC 7489 6.6.3)", "[dmarc][record]") {
    CHECK_FALSE(parse_record("v=DMARC1"));
    CHECK_FALSE(parse_record("v=DMARC1; p=bogus"));
    CHECK_FALSE(parse_record("v=DMARC1; p=reject; sp=bogus"));
    CHECK(parse_record("v=DMARC1; p=bogus").error().message == "DMARC record without a valid p tag");
    auto r = parse_record("v=DMARC1; p=bogus; rua=mailto:d@example.com");
    REQUIRE(r);
    CHECK(r->p == Policy::None);
    CHECK(r->p_defaulted);
    auto r2 = parse_record("v=DMARC1; p=reject; sp=junk; rua=mailto:d@example.com");
    REQUIRE(r2);
    CHECK(r2->p == Policy::None);
    CHECK(r2->subdomain_policy() == Policy::None);
    CHECK_FALSE(parse_record("v=DMARC1; rua=not-a-uri"));
}

TEST_CASE("bad values of optional tags take the defaults, unknown tags are ignored", "[dmarc][record]") {
    auto r = parse_record("v=DMARC1; p=none; pct=150; adkim=x; aspf=; fo=9; rf=; ri=-1; np=maybe; foo=bar; =x");
    REQUIRE(r);
    CHECK(r->pct == 100);
    CHECK(r->adkim == Alignment::Relaxed);
    CHECK(r->fo == "0");
    CHECK(r->rf == "afrf");
    CHECK(r->ri == 86400);
    CHECK_FALSE(r->np);
    CHECK(parse_record("v=DMARC1; p=none; pct=0")->pct == 0);
}

TEST_CASE("rua URIs: size suffixes, invalid URIs dropped, a cap on their number", "[dmarc][record]") {
    auto r = parse_record("v=DMARC1; p=none; rua=mailto:a@x.example!1k, bad uri ,mailto:b@x.example!5t,mailto:c@x!0,mailto:d@x!12q,mailto:e@x!99999999999999t");
    REQUIRE(r);
    REQUIRE(r->rua.size() == 2);
    CHECK(r->rua[0].max_size == 1024);
    CHECK(r->rua[1].max_size == 5ull << 40);
    std::string many = "v=DMARC1; p=none; rua=";
    for (int i = 0; i < 40; ++i) many += "mailto:r" + std::to_string(i) + "@example.com,";
    CHECK(parse_record(many)->rua.size() == kMaxReportUris);
}

TEST_CASE("a record over the size limit is refused", "[dmarc][record]") {
    std::string big = "v=DMARC1; p=none; x=" + std::string(kMaxRecordOctets, 'a');
    auto r = parse_record(big);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "DMARC record longer than 4096 octets");
}
