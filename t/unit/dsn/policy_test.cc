// Which notices plan_notices decides on: NOTIFY rules (RFC 3461 4.1) and
// never a notice for a notice (double bounces to the postmaster instead).
#include <catch2/catch.hpp>

#include "libmail/dsn/header_text.h"
#include "libmail/dsn/notify_policy.h"

using namespace tern;
using namespace tern::dsn;
using queue::kNotifyDelay;
using queue::kNotifyFailure;
using queue::kNotifyNever;
using queue::kNotifySuccess;

namespace {

Settings settings() {
    Settings s;
    s.myhostname = "mail.tern.test";
    return s;
}

RecipientResult result(std::string addr, Action a) {
    RecipientResult r;
    r.address = std::move(addr);
    r.action = a;
    return r;
}

}  // namespace

TEST_CASE("NOTIFY decides which results are reported and in which notice", "[dsn][policy]") {
    struct Case {
        Action action;
        std::uint8_t notify;
        std::optional<NoticeKind> expected;
    };
    const Case c = GENERATE(values<Case>({
        {Action::Failed, 0, NoticeKind::Bounce},
        {Action::Failed, kNotifyFailure, NoticeKind::Bounce},
        {Action::Failed, kNotifySuccess, std::nullopt},
        {Action::Failed, kNotifyDelay, std::nullopt},
        {Action::Failed, kNotifyNever, std::nullopt},
        {Action::Delayed, 0, NoticeKind::Delay},
        {Action::Delayed, kNotifyDelay | kNotifyFailure, NoticeKind::Delay},
        {Action::Delayed, kNotifyFailure, std::nullopt},
        {Action::Delayed, kNotifyNever, std::nullopt},
        {Action::Delivered, 0, std::nullopt},
        {Action::Delivered, kNotifyFailure, std::nullopt},
        {Action::Delivered, kNotifySuccess, NoticeKind::Success},
        {Action::Relayed, kNotifySuccess | kNotifyFailure, NoticeKind::Success},
        {Action::Expanded, kNotifySuccess, NoticeKind::Success},
        {Action::Delivered, kNotifyNever, std::nullopt},
    }));
    CAPTURE(action_name(c.action), int(c.notify));
    CHECK(notice_kind_for(c.action, c.notify) == c.expected);
}

TEST_CASE("results are grouped into one notice per kind, to the original sender, from <>", "[dsn][policy]") {
    queue::Envelope env;
    env.sender = "carol@remote.test";
    env.recipients = {{"a@example.test", "", 0},
                      {"b@example.test", "", kNotifySuccess | kNotifyFailure},
                      {"c@example.test", "", kNotifyNever},
                      {"d@example.test", "", 0}};
    const std::vector<RecipientResult> results = {
        result("a@example.test", Action::Failed), result("b@example.test", Action::Delivered),
        result("c@example.test", Action::Failed), result("d@example.test", Action::Delayed),
        result("d@example.test", Action::Failed)};
    const auto plan = plan_notices(env, results, settings());
    REQUIRE(plan.size() == 3);
    CHECK(plan[0].kind == NoticeKind::Bounce);
    CHECK(plan[0].results == std::vector<std::size_t>{0, 4});
    CHECK(plan[1].kind == NoticeKind::Delay);
    CHECK(plan[1].results == std::vector<std::size_t>{3});
    CHECK(plan[2].kind == NoticeKind::Success);
    CHECK(plan[2].results == std::vector<std::size_t>{1});
    for (const auto& n : plan) {
        CHECK(n.sender.empty());
        CHECK(n.recipient == "carol@remote.test");
        CHECK_FALSE(n.double_bounce);
    }
}

TEST_CASE("nothing to report gives no notice", "[dsn][policy]") {
    queue::Envelope env;
    env.sender = "carol@remote.test";
    env.recipients = {{"a@example.test", "", 0}};
    const std::vector<RecipientResult> results = {result("a@example.test", Action::Delivered)};
    CHECK(plan_notices(env, results, settings()).empty());
}

TEST_CASE("a message from the null sender never gets a notice; its failure goes to the postmaster",
          "[dsn][policy]") {
    queue::Envelope env;
    env.sender = "";
    env.recipients = {{"a@example.test", "", kNotifySuccess | kNotifyFailure | kNotifyDelay}};
    SECTION("failure: a double bounce from the double-bounce address") {
        const std::vector<RecipientResult> results = {result("a@example.test", Action::Failed)};
        const auto plan = plan_notices(env, results, settings());
        REQUIRE(plan.size() == 1);
        CHECK(plan[0].kind == NoticeKind::Bounce);
        CHECK(plan[0].double_bounce);
        CHECK(plan[0].recipient == "postmaster");
        CHECK(plan[0].sender == "double-bounce@mail.tern.test");
    }
    SECTION("delay and success: nothing") {
        const std::vector<RecipientResult> results = {result("a@example.test", Action::Delayed),
                                                      result("a@example.test", Action::Delivered)};
        CHECK(plan_notices(env, results, settings()).empty());
    }
    SECTION("a failed double bounce is dropped") {
        env.sender = "Double-Bounce@mail.tern.test";
        const std::vector<RecipientResult> results = {result("a@example.test", Action::Failed)};
        CHECK(plan_notices(env, results, settings()).empty());
    }
}

TEST_CASE("network text is made safe for header fields", "[dsn][header]") {
    CHECK(safe_text("550 bad\r\nSubject: injected\r\n", false) == "550 bad Subject: injected");
    CHECK(safe_text("a\tb\x7f\x01" "c", false) == "a b c");
    CHECK(safe_text("caf\xc3\xa9", false) == "caf??");
    CHECK(safe_text("caf\xc3\xa9", true) == "caf\xc3\xa9");
    CHECK(safe_text("caf\xc3", true) == "caf?");  // not UTF-8: treated as unsafe bytes
    CHECK(safe_text(std::string(2000, 'x'), false).size() == kMaxFieldText);
    CHECK(safe_text("ab\xc3\xa9", true, 3) == "ab");  // never half a character
}

TEST_CASE("fields fold at spaces near 78 columns", "[dsn][header]") {
    std::string value;
    for (int i = 0; i < 30; ++i) value += "word" + std::to_string(i) + " ";
    value.pop_back();
    const std::string f = fold_field("Diagnostic-Code", value);
    std::size_t start = 0, lines = 0;
    while (start < f.size()) {
        const std::size_t end = f.find('\n', start);
        CHECK(end - start <= 78);
        if (lines > 0) CHECK(f[start] == ' ');
        ++lines;
        start = end + 1;
    }
    CHECK(lines > 1);
    CHECK(fold_field("Action", "failed") == "Action: failed\n");
}

TEST_CASE("address types of Final-Recipient", "[dsn][header]") {
    CHECK(typed_address("alice@example.test", false) == "rfc822; alice@example.test");
    CHECK(typed_address("j\xc3\xb6rg@example.test", true) == "utf-8; j\xc3\xb6rg@example.test");
    CHECK(typed_address("j\xc3\xb6rg+x@example.test", false) == "utf-8; j\\x{F6}rg\\x{2B}x@example.test");
    CHECK(typed_address("a\r\nb@example.test", false) == "rfc822; ab@example.test");
}

TEST_CASE("a boundary is found across chunk edges", "[dsn][header]") {
    const std::string b = make_boundary();
    CHECK(b.size() == 26);
    CHECK(b != make_boundary());
    NeedleScanner s("--" + b);
    s.feed("text\n-");
    s.feed("-" + b.substr(0, 5));
    CHECK_FALSE(s.found());
    s.feed(b.substr(5) + "\n");
    CHECK(s.found());
    NeedleScanner t("--" + b);
    t.feed("--" + b.substr(0, 25) + "\n");
    CHECK_FALSE(t.found());
}
