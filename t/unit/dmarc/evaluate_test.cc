// DMARC evaluation without DNS: alignment (relaxed, strict, subdomains),
// pass through SPF or DKIM alone, fail, p/sp/np, pct with a fixed random
// source, no record, From problems (RFC 7489 6.6.1).
#include <catch2/catch.hpp>

#include "libmail/dmarc/evaluate.h"

using namespace tern::dmarc;

namespace {

const PublicSuffixList& psl() {
    static const PublicSuffixList list = *PublicSuffixList::parse("com\nuk\nco.uk\norg\n", "test");
    return list;
}

Found record_at(const char* domain, const char* txt, bool org = false) {
    Found f;
    f.record = *parse_record(txt);
    f.domain = domain;
    f.at_organizational_domain = org;
    return f;
}

Input message(const char* from, const char* spf_result, const char* spf_domain,
              std::vector<DkimInput> dkim = {}) {
    Input in;
    in.from_domains = {from};
    in.spf = {spf_result, spf_domain, false};
    in.dkim = std::move(dkim);
    in.source_ip = "192.0.2.1";
    return in;
}

Percent fixed(int v) {
    return [v] { return v; };
}

}  // namespace

TEST_CASE("alignment: strict needs equal names, relaxed equal organizational domains", "[dmarc][evaluate]") {
    CHECK(aligned("example.com", "EXAMPLE.com.", Alignment::Strict, psl()));
    CHECK_FALSE(aligned("mail.example.com", "example.com", Alignment::Strict, psl()));
    CHECK(aligned("mail.example.com", "example.com", Alignment::Relaxed, psl()));
    CHECK(aligned("a.example.co.uk", "b.example.co.uk", Alignment::Relaxed, psl()));
    CHECK_FALSE(aligned("example.co.uk", "other.co.uk", Alignment::Relaxed, psl()));
    CHECK_FALSE(aligned("example.com", "example.org", Alignment::Relaxed, psl()));
    CHECK_FALSE(aligned("", "example.com", Alignment::Relaxed, psl()));
}

TEST_CASE("pass through SPF alone", "[dmarc][evaluate]") {
    auto o = evaluate(message("example.com", "pass", "bounce.example.com"), record_at("example.com", "v=DMARC1; p=reject"),
                      psl(), fixed(0));
    CHECK(o.result == DmarcResult::Pass);
    CHECK(o.spf_aligned);
    CHECK_FALSE(o.dkim_aligned);
    CHECK(o.disposition == Disposition::None);
    CHECK(o.policy == Policy::Reject);
    CHECK(o.reason == "SPF aligned (bounce.example.com)");
}

TEST_CASE("pass through DKIM alone", "[dmarc][evaluate]") {
    auto o = evaluate(message("example.com", "fail", "other.org",
                              {{"other.org", "s1", "pass"}, {"Example.COM", "s2", "pass"}}),
                      record_at("example.com", "v=DMARC1; p=reject"), psl(), fixed(0));
    CHECK(o.result == DmarcResult::Pass);
    CHECK(o.dkim_aligned);
    CHECK_FALSE(o.spf_aligned);
    CHECK(o.reason == "DKIM aligned (d=example.com)");
}

TEST_CASE("failures of alignment", "[dmarc][evaluate]") {
    SECTION("SPF passes for an unrelated domain, DKIM fails for the From domain") {
        auto o = evaluate(message("example.com", "pass", "mailer.org", {{"example.com", "s", "fail"}}),
                          record_at("example.com", "v=DMARC1; p=reject"), psl(), fixed(0));
        CHECK(o.result == DmarcResult::Fail);
        CHECK(o.disposition == Disposition::Reject);
        CHECK(o.reason == "no aligned SPF or DKIM pass; policy reject of example.com");
    }
    SECTION("strict SPF alignment refuses a subdomain") {
        auto o = evaluate(message("example.com", "pass", "bounce.example.com"),
                          record_at("example.com", "v=DMARC1; p=quarantine; aspf=s"), psl(), fixed(0));
        CHECK(o.result == DmarcResult::Fail);
        CHECK(o.disposition == Disposition::Quarantine);
    }
    SECTION("strict DKIM alignment refuses a parent domain") {
        auto o = evaluate(message("news.example.com", "none", "", {{"example.com", "s", "pass"}}),
                          record_at("news.example.com", "v=DMARC1; p=reject; adkim=s"), psl(), fixed(0));
        CHECK(o.result == DmarcResult::Fail);
        CHECK_FALSE(o.dkim_aligned);
    }
    SECTION("softfail is not a pass") {
        auto o = evaluate(message("example.com", "softfail", "example.com"),
                          record_at("example.com", "v=DMARC1; p=none"), psl(), fixed(0));
        CHECK(o.result == DmarcResult::Fail);
        CHECK(o.disposition == Disposition::None);
    }
}

TEST_CASE("sp applies to subdomains, np to subdomains that do not exist", "[dmarc][evaluate]") {
    auto found = record_at("example.com", "v=DMARC1; p=reject; sp=quarantine; np=none", true);
    auto o = evaluate(message("sub.example.com", "fail", "sub.example.com"), found, psl(), fixed(0));
    CHECK(o.result == DmarcResult::Fail);
    CHECK(o.policy == Policy::Quarantine);
    CHECK(o.disposition == Disposition::Quarantine);
    CHECK(o.policy_domain == "example.com");
    found.from_domain_exists = false;
    o = evaluate(message("sub.example.com", "fail", "sub.example.com"), found, psl(), fixed(0));
    CHECK(o.policy == Policy::None);
    auto same = evaluate(message("example.com", "fail", "x.org"), found, psl(), fixed(0));
    CHECK(same.policy == Policy::Reject);
}

TEST_CASE("pct samples failing messages with the random source", "[dmarc][evaluate]") {
    auto found = record_at("example.com", "v=DMARC1; p=reject; pct=30");
    auto in = message("example.com", "fail", "x.org");
    auto inside = evaluate(in, found, psl(), fixed(29));
    CHECK(inside.disposition == Disposition::Reject);
    CHECK_FALSE(inside.sampled_out);
    auto outside = evaluate(in, found, psl(), fixed(30));
    CHECK(outside.sampled_out);
    CHECK(outside.disposition == Disposition::Quarantine);  // one step weaker
    CHECK(outside.reason.ends_with("(sampled out by pct=30)"));
    auto q = evaluate(in, record_at("example.com", "v=DMARC1; p=quarantine; pct=0"), psl(), fixed(0));
    CHECK(q.sampled_out);
    CHECK(q.disposition == Disposition::None);
    int calls = 0;
    auto counted = [&] { ++calls; return 99; };
    CHECK(evaluate(in, record_at("example.com", "v=DMARC1; p=reject"), psl(), counted).disposition == Disposition::Reject);
    CHECK(calls == 0);  // pct=100: no draw
}

TEST_CASE("no record: none", "[dmarc][evaluate]") {
    auto o = evaluate(message("example.com", "pass", "example.com"), Found{}, psl(), fixed(0));
    CHECK(o.result == DmarcResult::None);
    CHECK(o.disposition == Disposition::None);
    CHECK(o.reason == "no DMARC record for example.com");
}

TEST_CASE("no From domain or several different ones: permerror (RFC 7489 6.6.1)", "[dmarc][evaluate]") {
    auto found = record_at("example.com", "v=DMARC1; p=reject");
    Input in = message("example.com", "pass", "example.com");
    in.from_domains = {};
    auto o = evaluate(in, found, psl(), fixed(0));
    CHECK(o.result == DmarcResult::PermError);
    CHECK(o.reason == "no From domain");
    in.from_domains = {"example.com", "other.org"};
    o = evaluate(in, found, psl(), fixed(0));
    CHECK(o.result == DmarcResult::PermError);
    CHECK(o.reason == "several From domains (example.com, other.org)");
    in.from_domains = {"example.com", "EXAMPLE.com"};
    CHECK(evaluate(in, found, psl(), fixed(0)).result == DmarcResult::Pass);
}

TEST_CASE("the Authentication-Results clause", "[dmarc][evaluate]") {
    auto fail = evaluate(message("example.com", "fail", "x.org"), record_at("example.com", "v=DMARC1; p=reject; pct=0"),
                         psl(), fixed(50));
    CHECK(authentication_results_clause(fail) == "dmarc=fail (p=reject dis=quarantine) header.from=example.com");
    auto none = evaluate(message("example.com", "pass", "example.com"), Found{}, psl(), fixed(0));
    CHECK(authentication_results_clause(none) == "dmarc=none header.from=example.com");
    Input two = message("example.com", "pass", "example.com");
    two.from_domains.push_back("other.org");
    CHECK(authentication_results_clause(evaluate(two, Found{}, psl(), fixed(0))) == "dmarc=permerror");
}
