// The asynchronous check on a Resolver that answers from a zone file:
// record at the From domain, fallback to the organizational domain, several
// records, no record, DNS failure (temperror), np with a non-existent domain.
#include <catch2/catch.hpp>

#include "libmail/dmarc/check.h"
#include "libmail/event/event_ptrs.h"
#include "t/unit/temp_dir.h"
#include "t/unit/run_loop.h"

using namespace tern;
using namespace tern::dmarc;

namespace {

constexpr const char* kZone = R"($ORIGIN example.com.
$TTL 300
@            A 192.0.2.10
_dmarc       TXT "v=DMARC1; p=reject; sp=quarantine; np=reject; rua=mailto:dmarc@example.com"
exists.example.com. A 192.0.2.11
_dmarc.own   TXT "v=DMARC1; p=none"
_dmarc.own   TXT "unrelated text"
_dmarc.two   TXT "v=DMARC1; p=none"
_dmarc.two   TXT "v=DMARC1; p=reject"
_dmarc.badp  TXT "v=DMARC1; p=maybe"
$ORIGIN example.org.
nothing      A 192.0.2.20
)";

struct Fixture {
    test::TempDir dir;
    EventBasePtr base{event_base_new()};
    std::unique_ptr<dns::Resolver> resolver;
    PublicSuffixList psl = *PublicSuffixList::parse("com\norg\n", "test");

    explicit Fixture(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        dns::Options o;
        o.zone_file = dir.write("zone", kZone);
        o.timeout = timeout;
        auto r = dns::Resolver::create(base.get(), o);
        if (!r) FAIL(r.error().message);
        resolver = std::move(*r);
    }

    Outcome run(const std::string& from, const std::string& spf_domain = "x.net") {
        Input in;
        in.from_domains = {from};
        in.spf = {"pass", spf_domain, false};
        Outcome out;
        bool done = false;
        auto c = check(*resolver, psl, in, [&](const Outcome& o) { out = o; done = true; }, [] { return 0; });
        CHECK_FALSE(done);
        test::run_until(base.get(), done);
        REQUIRE(done);
        return out;
    }
};

}  // namespace

TEST_CASE("record at the From domain", "[dmarc][check]") {
    Fixture f;
    auto o = f.run("example.com");
    CHECK(o.result == DmarcResult::Fail);
    CHECK(o.disposition == Disposition::Reject);
    CHECK(o.policy_domain == "example.com");
    REQUIRE(o.record);
    CHECK(o.record->rua.at(0).uri == "mailto:dmarc@example.com");
    CHECK(f.run("example.com", "mail.example.com").result == DmarcResult::Pass);
}

TEST_CASE("fallback to the organizational domain uses sp, or np when the name does not exist", "[dmarc][check]") {
    Fixture f;
    auto o = f.run("exists.example.com");
    CHECK(o.policy_domain == "example.com");
    CHECK(o.policy == Policy::Quarantine);
    auto gone = f.run("gone.example.com");
    CHECK(gone.policy == Policy::Reject);  // np=reject: no A, AAAA or MX
    CHECK(gone.reason == "no aligned SPF or DKIM pass; policy reject of example.com");
}

TEST_CASE("non-DMARC TXT records beside one DMARC record are ignored", "[dmarc][check]") {
    Fixture f;
    auto o = f.run("own.example.com");
    CHECK(o.policy_domain == "own.example.com");
    CHECK(o.policy == Policy::None);
    CHECK(o.result == DmarcResult::Fail);
}

TEST_CASE("several DMARC records or an unusable one: none", "[dmarc][check]") {
    Fixture f;
    auto two = f.run("two.example.com");
    CHECK(two.result == DmarcResult::None);
    CHECK(two.reason == "several DMARC records at _dmarc.two.example.com");
    auto bad = f.run("badp.example.com");
    CHECK(bad.result == DmarcResult::None);
    CHECK(bad.reason == "DMARC record without a valid p tag at _dmarc.badp.example.com");
}

TEST_CASE("no record anywhere: none", "[dmarc][check]") {
    Fixture f;
    auto o = f.run("nothing.example.org");
    CHECK(o.result == DmarcResult::None);
    CHECK(o.reason == "no DMARC record at _dmarc.nothing.example.org or _dmarc.example.org");
}

TEST_CASE("no From domain: permerror, still answered from the loop", "[dmarc][check]") {
    Fixture f;
    auto o = f.run("");
    CHECK(o.result == DmarcResult::PermError);
}

TEST_CASE("DNS failure: temperror", "[dmarc][check]") {
    // A forwarder that never answers: a closed UDP port on loopback (ICMP
    // refused, or a timeout of 300 ms).
    test::TempDir dir;
    EventBasePtr base{event_base_new()};
    dns::Options o;
    o.forwarder = "127.0.0.1@9";
    o.resolv_conf = "";
    o.timeout = std::chrono::milliseconds(300);
    auto r = dns::Resolver::create(base.get(), o);
    REQUIRE(r);
    PublicSuffixList psl = *PublicSuffixList::parse("com\n", "test");
    Input in;
    in.from_domains = {"example.com"};
    Outcome out;
    bool done = false;
    auto c = check(**r, psl, in, [&](const Outcome& x) { out = x; done = true; });
    test::run_until(base.get(), done);
    REQUIRE(done);
    CHECK(out.result == DmarcResult::TempError);
    CHECK(out.reason.starts_with("DNS lookup of _dmarc.example.com failed: "));
}

TEST_CASE("destroying a check before it ends: no callback", "[dmarc][check]") {
    Fixture f;
    Input in;
    in.from_domains = {"example.com"};
    bool called = false;
    auto c = check(*f.resolver, f.psl, in, [&](const Outcome&) { called = true; });
    c.reset();
    for (int i = 0; i < 20; ++i) event_base_loop(f.base.get(), EVLOOP_NONBLOCK);
    CHECK_FALSE(called);
}
