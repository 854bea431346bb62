#include <catch2/catch.hpp>

#include "authd/failure_tracker.h"

using tern::authd::FailureTracker;
using namespace std::chrono_literals;

TEST_CASE("an address is banned after the limit within the window, then released", "[authd]") {
    FailureTracker t(3, 60s, 600s);
    const auto t0 = FailureTracker::Clock::now();
    CHECK_FALSE(t.record_failure("192.0.2.1", t0));
    CHECK_FALSE(t.record_failure("192.0.2.1", t0 + 1s));
    CHECK_FALSE(t.is_banned("192.0.2.1", t0 + 2s));
    CHECK(t.record_failure("192.0.2.1", t0 + 2s));
    CHECK(t.is_banned("192.0.2.1", t0 + 3s));
    CHECK_FALSE(t.is_banned("192.0.2.2", t0 + 3s));
    CHECK_FALSE(t.is_banned("192.0.2.1", t0 + 603s));
}

TEST_CASE("failures outside the window and after a success do not count", "[authd]") {
    FailureTracker t(3, 60s, 600s);
    const auto t0 = FailureTracker::Clock::now();
    t.record_failure("a", t0);
    t.record_failure("a", t0 + 1s);
    CHECK_FALSE(t.record_failure("a", t0 + 120s));  // the first two fell out of the window
    t.record_success("a");
    CHECK_FALSE(t.record_failure("a", t0 + 121s));
    CHECK_FALSE(t.record_failure("a", t0 + 122s));
}
