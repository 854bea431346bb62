#include <catch2/catch.hpp>

#include <event2/event.h>

#include <algorithm>
#include <vector>

#include "libmail/event/event_ptrs.h"
#include "qmgr/scheduler.h"

using tern::qmgr::Delivery;
using tern::qmgr::DestinationLimits;
using tern::qmgr::Feedback;
using tern::qmgr::Route;
using tern::qmgr::Scheduler;
using tern::qmgr::SchedulerSettings;
using Clock = Scheduler::Clock;

namespace {

// Drives a Scheduler on a real event loop with a hand-moved clock. The
// scheduler never looks inside a Delivery, so tokens stand in for them.
struct Harness {
    tern::EventBasePtr base{event_base_new()};
    Clock::time_point now = Clock::now();
    std::vector<int> tokens = std::vector<int>(1000);
    std::vector<Delivery*> started;
    struct Held {
        Delivery* d;
        std::string dsn, reason;
    };
    std::vector<Held> suspended;
    std::unique_ptr<Scheduler> sched;

    explicit Harness(SchedulerSettings s) {
        sched = std::make_unique<Scheduler>(
            base.get(), std::move(s), [this](Delivery* d) { started.push_back(d); },
            [this](Delivery* d, const std::string& dsn, const std::string& reason) {
                suspended.push_back({d, dsn, reason});
            });
        sched->set_clock([this] { return now; });
    }
    Delivery* token(int i) { return reinterpret_cast<Delivery*>(&tokens.at(i)); }
    void add(const Route& r, int from, int to) {
        for (int i = from; i < to; ++i) sched->add(r, token(i));
    }
    void run() { event_base_loop(base.get(), EVLOOP_NONBLOCK); }
    std::size_t started_for(int from, int to) const {
        return std::count_if(started.begin(), started.end(), [&](Delivery* d) {
            const int* p = reinterpret_cast<const int*>(d);
            return p >= &tokens[from] && p < &tokens[to];
        });
    }
};

SchedulerSettings settings(std::size_t limit = 20, std::chrono::milliseconds delay = {}) {
    SchedulerSettings s;
    s.initial_concurrency = 5;
    s.failed_cohort_limit = 1;
    s.transport_limit = 100;
    s.dead_time = std::chrono::seconds(300);
    s.limits = [limit, delay](const std::string&) { return DestinationLimits{limit, delay}; };
    return s;
}

const Route kRemote{"smtp", "remote.test"};
const Route kOther{"smtp", "other.test"};

}  // namespace

TEST_CASE("a destination starts at the initial concurrency and grows by one per window of successes",
          "[qmgr][scheduler]") {
    Harness h(settings(7));
    h.add(kRemote, 0, 40);
    h.run();
    CHECK(h.started.size() == 5);
    CHECK(h.sched->window(kRemote) == 5);
    for (int i = 0; i < 5; ++i) h.sched->done(kRemote, Feedback{});
    h.run();
    CHECK(h.sched->window(kRemote) == 6);
    CHECK(h.sched->running(kRemote) == 6);
    CHECK(h.started.size() == 11);
    for (int i = 0; i < 12; ++i) {
        h.sched->done(kRemote, Feedback{});
        h.run();
    }
    CHECK(h.sched->window(kRemote) == 7);  // the destination's limit
    CHECK(h.sched->running(kRemote) == 7);
}

TEST_CASE("a slow destination does not hold up the others", "[qmgr][scheduler]") {
    Harness h(settings());
    h.add(kRemote, 0, 500);  // never answers
    h.add(kOther, 500, 510);
    h.run();
    CHECK(h.started_for(0, 500) == 5);
    CHECK(h.started_for(500, 510) == 5);
    for (int i = 0; i < 5; ++i) h.sched->done(kOther, Feedback{});
    h.run();
    CHECK(h.started_for(500, 510) == 10);
    CHECK(h.started_for(0, 500) == 5);
}

TEST_CASE("the transport's limit is shared in turn between destinations", "[qmgr][scheduler]") {
    auto s = settings();
    s.transport_limit = 4;
    Harness h(std::move(s));
    h.add(kRemote, 0, 10);
    h.add(kOther, 10, 20);
    h.run();
    CHECK(h.started.size() == 4);
    CHECK(h.started_for(0, 10) == 2);
    CHECK(h.started_for(10, 20) == 2);
}

TEST_CASE("connection failures shrink the window, then the destination is dead until dead_time passes",
          "[qmgr][scheduler]") {
    Harness h(settings());
    h.add(kRemote, 0, 20);
    h.add(kOther, 20, 22);
    h.run();
    REQUIRE(h.started_for(0, 20) == 5);
    const Feedback refused{Feedback::Kind::HopFailure, "4.4.1", "connect to mx.remote.test[192.0.2.1]:25: Connection refused"};
    // 1/5 + 1/4 + 1/3 of a window: not yet dead, and nothing new starts while the window shrinks.
    for (int i = 0; i < 3; ++i) h.sched->done(kRemote, refused);
    h.run();
    CHECK_FALSE(h.sched->is_dead(kRemote));
    CHECK(h.sched->window(kRemote) == 2);
    CHECK(h.started_for(0, 20) == 5);
    h.sched->done(kRemote, refused);  // + 1/2 >= 1 window: dead
    h.run();
    CHECK(h.sched->is_dead(kRemote));
    CHECK(h.suspended.size() == 15);
    CHECK(h.suspended.front().dsn == "4.4.1");
    CHECK(h.suspended.front().reason ==
          "delivery temporarily suspended: connect to mx.remote.test[192.0.2.1]:25: Connection refused");
    CHECK(h.started_for(20, 22) == 2);  // the other destination is untouched

    h.add(kRemote, 100, 101);  // new mail for a dead destination waits without a try
    h.run();
    CHECK(h.suspended.size() == 16);
    h.sched->done(kRemote, refused);  // the last one that was under way
    h.run();

    h.now += std::chrono::seconds(301);
    h.add(kRemote, 200, 210);
    h.run();
    CHECK_FALSE(h.sched->is_dead(kRemote));
    CHECK(h.started_for(200, 210) == 5);  // back at the initial concurrency
}

TEST_CASE("agent trouble teaches nothing about the destination", "[qmgr][scheduler]") {
    auto s = settings();
    s.initial_concurrency = 1;
    Harness h(std::move(s));
    h.add(kRemote, 0, 3);
    h.run();
    h.sched->done(kRemote, Feedback{Feedback::Kind::Neutral, "", ""});
    h.run();
    CHECK_FALSE(h.sched->is_dead(kRemote));
    CHECK(h.started.size() == 2);
}

TEST_CASE("a rate delay sends one at a time, spaced by the delay", "[qmgr][scheduler]") {
    Harness h(settings(20, std::chrono::milliseconds(2000)));
    h.add(kRemote, 0, 3);
    h.run();
    CHECK(h.started.size() == 1);
    h.sched->done(kRemote, Feedback{});
    h.run();
    CHECK(h.started.size() == 1);  // the delay has not passed
    h.now += std::chrono::milliseconds(1999);
    h.sched->pump();
    CHECK(h.started.size() == 1);
    h.now += std::chrono::milliseconds(1);
    h.sched->pump();
    CHECK(h.started.size() == 2);
}

TEST_CASE("next hops differing only in case are one destination", "[qmgr][scheduler]") {
    auto s = settings();
    s.initial_concurrency = 1;
    Harness h(std::move(s));
    h.add(Route{"smtp", "Remote.TEST"}, 0, 1);
    h.add(kRemote, 1, 2);
    h.run();
    CHECK(h.started.size() == 1);
}

TEST_CASE("failures of messages that come one by one add up", "[qmgr][scheduler]") {
    Harness h(settings());
    const Feedback refused{Feedback::Kind::HopFailure, "4.4.1", "Connection refused"};
    for (int i = 0; i < 4; ++i) {
        h.add(kRemote, i, i + 1);
        h.run();
        REQUIRE(h.started.size() == static_cast<std::size_t>(i + 1));
        h.sched->done(kRemote, refused);  // idle again after each
        h.run();
    }
    CHECK(h.sched->is_dead(kRemote));  // 1/5 + 1/4 + 1/3 + 1/2 >= 1
    h.add(kRemote, 10, 11);
    h.run();
    CHECK(h.suspended.size() == 1);
}

TEST_CASE("a flush (revive_all) lets a dead destination be tried at once", "[qmgr][scheduler]") {
    auto s = settings();
    s.initial_concurrency = 1;
    Harness h(std::move(s));
    h.add(kRemote, 0, 1);
    h.run();
    h.sched->done(kRemote, Feedback{Feedback::Kind::HopFailure, "4.4.1", "Connection refused"});
    h.run();
    REQUIRE(h.sched->is_dead(kRemote));
    h.sched->revive_all();
    h.add(kRemote, 1, 2);
    h.run();
    CHECK_FALSE(h.sched->is_dead(kRemote));
    CHECK(h.started.size() == 2);
    CHECK(h.suspended.empty());
}
