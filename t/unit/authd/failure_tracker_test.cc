#include <catch2/catch.hpp>

#include <string>

#include "authd/failure_tracker.h"
#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "t/unit/temp_dir.h"

using tern::authd::FailureTracker;
using tern::test::TempDir;
using namespace std::chrono_literals;

namespace {

// The log lines a block of code writes (authd's log is an interface for fail2ban-style filters).
struct LogCapture {
    TempDir dir;
    std::string path = dir.path() + "/mail.log";
    LogCapture() { tern::log::setup("tern/authd", tern::log::Sink::File, path, "testhost"); }
    ~LogCapture() { tern::log::setup("tern/test", tern::log::Sink::Stderr); }
    std::string text() const {
        auto t = tern::read_file(path, 1 << 20);
        return t ? *t : std::string();
    }
};

FailureTracker::Policy policy(int limit, std::chrono::seconds ban, std::chrono::seconds max_ban) {
    return FailureTracker::Policy{limit, 600s, ban, max_ban};
}

// Fails `limit` times from address at t, 1s apart; true if the last one got a ban.
bool fail_until_banned(FailureTracker& t, const std::string& address, int limit, FailureTracker::Clock::time_point at) {
    bool banned = false;
    for (int i = 0; i < limit; ++i) banned = t.record_failure(address, "", at + 1s * i);
    return banned;
}

}  // namespace

TEST_CASE("an address is banned after the limit within the window, then released", "[authd]") {
    FailureTracker t(3, 60s, 600s);
    const auto t0 = FailureTracker::Clock::now();
    CHECK_FALSE(t.record_failure("192.0.2.1", "", t0));
    CHECK_FALSE(t.record_failure("192.0.2.1", "", t0 + 1s));
    CHECK_FALSE(t.is_banned("192.0.2.1", t0 + 2s));
    CHECK(t.record_failure("192.0.2.1", "", t0 + 2s));
    CHECK(t.is_banned("192.0.2.1", t0 + 3s));
    CHECK(t.banned_until("192.0.2.1", t0 + 3s) == t0 + 602s);
    CHECK_FALSE(t.is_banned("192.0.2.2", t0 + 3s));
    CHECK_FALSE(t.is_banned("192.0.2.1", t0 + 603s));
}

TEST_CASE("failures outside the window and after a success do not count", "[authd]") {
    FailureTracker t(3, 60s, 600s);
    const auto t0 = FailureTracker::Clock::now();
    t.record_failure("192.0.2.1", "", t0);
    t.record_failure("192.0.2.1", "", t0 + 1s);
    CHECK_FALSE(t.record_failure("192.0.2.1", "", t0 + 120s));  // the first two fell out of the window
    t.record_success("192.0.2.1");
    CHECK_FALSE(t.record_failure("192.0.2.1", "", t0 + 121s));
    CHECK_FALSE(t.record_failure("192.0.2.1", "", t0 + 122s));
}

TEST_CASE("each new ban of an address doubles, up to auth_ban_max_time", "[authd]") {
    FailureTracker t(policy(2, 100s, 700s));
    auto at = FailureTracker::Clock::now();
    // 100, 200, 400, then capped at 700 (not 800), and it stays there.
    for (const auto expected : {100s, 200s, 400s, 700s, 700s}) {
        REQUIRE(fail_until_banned(t, "192.0.2.1", 2, at));
        const auto banned_at = at + 1s;
        CHECK(t.banned_until("192.0.2.1", banned_at) == banned_at + expected);
        // Failures while banned are not counted (the daemons are told "banned" without a check).
        CHECK_FALSE(t.record_failure("192.0.2.1", "", banned_at + 1s));
        at = banned_at + expected + 1s;  // just after the ban ended
        CHECK_FALSE(t.is_banned("192.0.2.1", at));
    }
    CHECK(t.ban_count("192.0.2.1") == 5);
    CHECK(t.ban_count("192.0.2.2") == 0);

    SECTION("an address unbanned for auth_ban_max_time starts again at auth_ban_time") {
        at += 700s;
        CHECK(t.sweep(at) == 1);  // logs the end of the last ban and forgets the history
        CHECK(t.ban_count("192.0.2.1") == 0);
        REQUIRE(fail_until_banned(t, "192.0.2.1", 2, at));
        CHECK(t.banned_until("192.0.2.1", at + 1s) == at + 1s + 100s);
    }
}

TEST_CASE("bans and unbans are logged as one line each, and sweep ends bans", "[authd]") {
    LogCapture log;
    FailureTracker t(policy(3, 3600s, 86400s));
    const auto t0 = FailureTracker::Clock::time_point(std::chrono::seconds(1795608000));  // 2026-11-25T08:00:00Z
    REQUIRE(fail_until_banned(t, "192.0.2.1", 3, t0));
    CHECK(log.text().find("tern/authd[") != std::string::npos);
    CHECK(log.text().find(": warning: ban 192.0.2.1 for 3600s after 3 failed logins (until 2026-11-25T13:00:02Z)\n") !=
          std::string::npos);
    CHECK(t.sweep(t0 + 3601s) == 0);
    CHECK(log.text().find("unban") == std::string::npos);
    CHECK(t.sweep(t0 + 3602s) == 1);
    CHECK(log.text().find(": unban 192.0.2.1 (ban ended 2026-11-25T13:00:02Z)\n") != std::string::npos);
    CHECK(t.sweep(t0 + 3700s) == 0);  // logged once
}

TEST_CASE("failures per account are logged, never locking the account", "[authd]") {
    LogCapture log;
    FailureTracker t(policy(3, 3600s, 86400s));
    const auto t0 = FailureTracker::Clock::now();
    // A spread attack: one failure from each of many addresses against one account.
    for (int i = 0; i < 5; ++i) t.record_failure("198.51.100." + std::to_string(i), "alice@example.test", t0 + 1s * i);
    CHECK_FALSE(t.is_banned("198.51.100.0", t0 + 10s));
    const std::string text = log.text();
    CHECK(text.find("warning: account under attack: user=<alice@example.test> failures=4") != std::string::npos);
    CHECK(text.find("account under attack", text.find("account under attack") + 1) == std::string::npos);  // once
}

TEST_CASE("bans survive a restart: a new tracker loads the state file", "[authd]") {
    TempDir dir;
    const std::string state = dir.path() + "/bans";
    const auto t0 = FailureTracker::Clock::time_point(std::chrono::seconds(1795608000));
    {
        FailureTracker t(policy(2, 100s, 1000s), state);
        REQUIRE(fail_until_banned(t, "192.0.2.1", 2, t0));
        REQUIRE(fail_until_banned(t, "2001:db8::7", 2, t0 + 2s));
    }
    {
        FailureTracker t(policy(2, 100s, 1000s), state);
        CHECK_FALSE(t.is_banned("192.0.2.1", t0 + 10s));  // nothing before load()
        t.load(t0 + 10s);
        CHECK(t.is_banned("192.0.2.1", t0 + 10s));
        CHECK(t.banned_until("192.0.2.1", t0 + 10s) == t0 + 101s);
        CHECK(t.is_banned("2001:db8::7", t0 + 10s));
        CHECK_FALSE(t.is_banned("192.0.2.2", t0 + 10s));
        // The escalation level is kept: the next ban after this one lasts twice as long.
        CHECK(t.ban_count("192.0.2.1") == 1);
        REQUIRE(fail_until_banned(t, "192.0.2.1", 2, t0 + 200s));
        CHECK(t.banned_until("192.0.2.1", t0 + 201s) == t0 + 201s + 200s);
    }
    {
        // The second run's ban was saved too, and at its own time the first ban of 2001:db8::7 is over.
        FailureTracker t(policy(2, 100s, 1000s), state);
        t.load(t0 + 300s);
        CHECK(t.banned_until("192.0.2.1", t0 + 300s) == t0 + 401s);
        CHECK_FALSE(t.is_banned("2001:db8::7", t0 + 300s));
        CHECK(t.ban_count("2001:db8::7") == 1);
    }
    auto text = tern::read_file(state, 1 << 20);
    REQUIRE(text);
    CHECK(text->find("192.0.2.1 ") != std::string::npos);
}

TEST_CASE("a malformed state file line is skipped and logged with FILE:LINE", "[authd]") {
    LogCapture log;
    TempDir dir;
    const auto t0 = FailureTracker::Clock::time_point(std::chrono::seconds(1795608000));
    const std::string until = std::to_string(1795608000 + 500);
    const std::string state = dir.write("bans", "# comment\n"
                                                "192.0.2.1 " + until + " 1\n"
                                                "not a ban line\n"
                                                "192.0.2.2 soon 1\n"
                                                "192.0.2.3 " + until + " 0\n"
                                                "bad;addr " + until + " 1\n"
                                                "\n"
                                                "192.0.2.4 " + until + " 2\n");
    FailureTracker t(policy(2, 100s, 1000s), state);
    t.load(t0);
    CHECK(t.is_banned("192.0.2.1", t0));
    CHECK(t.is_banned("192.0.2.4", t0));
    CHECK(t.ban_count("192.0.2.4") == 2);
    for (const char* a : {"192.0.2.2", "192.0.2.3"}) CHECK_FALSE(t.is_banned(a, t0));
    const std::string text = log.text();
    for (int line : {3, 4, 5, 6}) {
        INFO("line " << line);
        CHECK(text.find("warning: " + state + ":" + std::to_string(line) + ": malformed ban line ignored") !=
              std::string::npos);
    }
    CHECK(text.find(state + ":2:") == std::string::npos);
    CHECK(text.find("loaded 2 active ban(s) from " + state) != std::string::npos);

    SECTION("a missing state file is no bans and no warning") {
        FailureTracker fresh(policy(2, 100s, 1000s), dir.path() + "/missing");
        fresh.load(t0);
        CHECK_FALSE(fresh.is_banned("192.0.2.1", t0));
        CHECK(log.text().find("ban list ignored") == std::string::npos);
    }
}

TEST_CASE("bans coming faster than kMinSaveInterval are saved by the sweep", "[authd]") {
    TempDir dir;
    const std::string state = dir.path() + "/bans";
    const auto t0 = FailureTracker::Clock::time_point(std::chrono::seconds(1795608000));
    FailureTracker t(policy(1, 100s, 1000s), state);
    REQUIRE(t.record_failure("192.0.2.1", "", t0));
    REQUIRE(t.record_failure("192.0.2.2", "", t0));
    auto loaded = [&](const char* address) {
        FailureTracker again(policy(1, 100s, 1000s), state);
        again.load(t0);
        return again.is_banned(address, t0);
    };
    CHECK(loaded("192.0.2.1"));
    CHECK_FALSE(loaded("192.0.2.2"));
    t.sweep(t0 + 1s);
    CHECK(loaded("192.0.2.2"));
}

TEST_CASE("addresses the state file could not hold are not counted", "[authd]") {
    FailureTracker t(1, 60s, 600s);
    const auto t0 = FailureTracker::Clock::now();
    CHECK_FALSE(t.record_failure("", "", t0));
    CHECK_FALSE(t.record_failure("192.0.2.1 extra", "", t0));
    CHECK_FALSE(t.record_failure(std::string(FailureTracker::kMaxAddressBytes + 1, '1'), "", t0));
    CHECK(t.record_failure("192.0.2.1", "", t0));
}
