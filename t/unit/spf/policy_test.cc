// What each SPF result does at MAIL FROM (spf_*_action) and the replies,
// with RFC 7372's enhanced codes 5.7.23 / 4.7.23 and 5.7.24 / 4.7.24.
#include <catch2/catch.hpp>

#include "libmail/spf/policy.h"

using namespace tern;
using namespace tern::spf;

namespace {

PolicyConfig load(const char* main_cf) {
    auto cfg = config::Config::from_text(main_cf, "main.cf", "/nonexistent");
    REQUIRE(cfg);
    auto p = PolicyConfig::from_config(*cfg);
    if (!p) FAIL(p.error().message);
    return *p;
}

Outcome outcome(spf::Result r) {
    Outcome o;
    o.result = r;
    o.domain = "example.com";
    if (r == spf::Result::Fail) o.explanation = "192.0.2.9 is not allowed to send mail for example.com";
    if (r == spf::Result::PermError) o.problem = "example.com has 2 SPF records";
    if (r == spf::Result::TempError) o.problem = "DNS lookup of TXT example.com failed: SERVFAIL (rcode 2)";
    return o;
}

}  // namespace

TEST_CASE("defaults: every result is only recorded", "[spf][policy]") {
    const PolicyConfig p = load("");
    for (spf::Result r : {spf::Result::None, spf::Result::Neutral, spf::Result::Pass, spf::Result::Fail, spf::Result::SoftFail, spf::Result::TempError,
                     spf::Result::PermError})
        CHECK_FALSE(smtp_reply(outcome(r), p));
}

TEST_CASE("reject and defer replies", "[spf][policy]") {
    const PolicyConfig reject = load("spf_fail_action = reject\nspf_softfail_action = REJECT\n"
                                     "spf_permerror_action = reject\nspf_temperror_action = reject\n");
    CHECK(smtp_reply(outcome(spf::Result::Fail), reject) ==
          "550 5.7.23 SPF fail: 192.0.2.9 is not allowed to send mail for example.com");
    CHECK(smtp_reply(outcome(spf::Result::SoftFail), reject) ==
          "550 5.7.23 SPF softfail: example.com does not designate this host as a sender");
    CHECK(smtp_reply(outcome(spf::Result::PermError), reject) ==
          "550 5.7.24 SPF permanent error: example.com has 2 SPF records");
    CHECK(smtp_reply(outcome(spf::Result::TempError), reject) == "550 5.7.24 SPF temporary error");
    for (spf::Result r : {spf::Result::None, spf::Result::Neutral, spf::Result::Pass}) CHECK_FALSE(smtp_reply(outcome(r), reject));

    const PolicyConfig defer = load("spf_fail_action = defer\nspf_softfail_action = defer\n"
                                    "spf_permerror_action = defer\nspf_temperror_action = defer\n");
    CHECK(smtp_reply(outcome(spf::Result::Fail), defer) ==
          "451 4.7.23 SPF fail: 192.0.2.9 is not allowed to send mail for example.com");
    CHECK(smtp_reply(outcome(spf::Result::SoftFail), defer) ==
          "451 4.7.23 SPF softfail: example.com does not designate this host as a sender");
    CHECK(smtp_reply(outcome(spf::Result::PermError), defer) ==
          "451 4.7.24 SPF permanent error: example.com has 2 SPF records");
    CHECK(smtp_reply(outcome(spf::Result::TempError), defer) == "451 4.7.24 SPF temporary error");
}

TEST_CASE("the explanation in a reply is bounded and printable", "[spf][policy]") {
    const PolicyConfig p = load("spf_fail_action = reject\n");
    Outcome o = outcome(spf::Result::Fail);
    o.explanation = "bad\r\nline" + std::string(1000, 'x');
    const auto r = smtp_reply(o, p);
    REQUIRE(r);
    CHECK(r->starts_with("550 5.7.23 SPF fail: bad??line"));
    CHECK(r->size() < 450);
    CHECK(r->find('\r') == std::string::npos);
}

TEST_CASE("a bad action names the parameter", "[spf][policy]") {
    auto cfg = config::Config::from_text("spf_softfail_action = bounce\n", "main.cf", "/nonexistent");
    REQUIRE(cfg);
    auto p = PolicyConfig::from_config(*cfg);
    REQUIRE_FALSE(p);
    CHECK(p.error().message == "bad spf_softfail_action value \"bounce\" (ignore, reject or defer)");
    CHECK(parse_action("Defer") == Action::Defer);
    CHECK_FALSE(parse_action("accept"));
}
