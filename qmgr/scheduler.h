// Scheduler: Postfix's per-destination queues, cut down. A destination is a
// transport and a next hop; each of qmgr's deliveries (one message's
// recipients for one destination) waits in its destination's queue until the
// destination has room:
//   - a destination runs at most `window` deliveries at once. The window
//     starts at initial_destination_concurrency and grows by one after a
//     window's worth of deliveries without a connection-level failure (slow
//     start), up to the transport's destination concurrency limit; each
//     connection-level failure shrinks it by one;
//   - after failed_cohort_limit windows' worth of such failures in a row the
//     destination is dead: what waits for it, and what comes for it later, is
//     suspended (deferred without a try) until dead_time has passed, so one
//     unreachable site does not cost every one of its messages a timeout;
//   - a rate delay spaces the deliveries to one destination (window 1);
//   - all deliveries of one transport together stay under transport_limit.
// Destinations are served in turn, so a slow one never holds up the others.
// Callbacks never run inside add() or done(): only from the loop (pump()),
// so a callback may call add() and done() freely.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <string>
#include <vector>

#include "libmail/event/event_ptrs.h"
#include "qmgr/routing.h"

namespace tern::qmgr {

struct Delivery;

struct DestinationLimits {
    std::size_t concurrency = 20;         // <transport>_destination_concurrency_limit
    std::chrono::milliseconds rate_delay{0};  // <transport>_destination_rate_delay
};

struct SchedulerSettings {
    std::size_t initial_concurrency = 5;       // initial_destination_concurrency
    double failed_cohort_limit = 1;            // default_destination_concurrency_failed_cohort_limit
    std::size_t transport_limit = 100;         // default_process_limit
    std::chrono::seconds dead_time{300};       // minimal_backoff_time
    std::function<DestinationLimits(const std::string& transport)> limits;
};

// How a delivery ended, as far as its destination is concerned.
struct Feedback {
    enum class Kind { Ok, HopFailure, Neutral } kind = Kind::Ok;
    std::string dsn, reason;  // for HopFailure: why the destination failed
};

class Scheduler {
public:
    using Clock = std::chrono::steady_clock;
    using Start = std::function<void(Delivery*)>;
    using Suspend = std::function<void(Delivery*, const std::string& dsn, const std::string& reason)>;

    Scheduler(event_base* base, SchedulerSettings s, Start start, Suspend suspend);

    void add(const Route& route, Delivery* d);                  // queue a delivery
    void done(const Route& route, const Feedback& f);           // a started delivery has ended
    void pump();                                                // start and suspend what can be
    void revive_all();  // postqueue -f: every destination may be tried again at once (Postfix's flush of dead sites)

    // For tests and logs.
    std::size_t window(const Route& route) const;
    bool is_dead(const Route& route) const;
    std::size_t running(const Route& route) const;
    void set_clock(std::function<Clock::time_point()> now) { now_ = std::move(now); }

private:
    struct Destination {
        std::string transport, nexthop;
        DestinationLimits limits;
        std::deque<Delivery*> waiting;
        std::size_t running = 0;
        double window = 1;
        double credit = 0;           // successes toward the next window step
        double failed_cohorts = 0;   // failures in a row, in windows
        Clock::time_point dead_until{}, next_start{}, last_failure{};
        std::string dead_dsn, dead_reason;
    };

    static std::string key_of(const Route& r);
    Destination& destination(const Route& r);
    bool dead(Destination& d, Clock::time_point now);
    void kick();
    void arm_timer(Clock::time_point when);
    void forget_idle();
    static void on_kick(evutil_socket_t, short, void* ctx) noexcept;

    SchedulerSettings s_;
    Start start_;
    Suspend suspend_;
    std::function<Clock::time_point()> now_ = [] { return Clock::now(); };
    std::map<std::string, Destination> destinations_;
    std::map<std::string, std::size_t> transport_running_;
    std::list<std::string> turn_;  // destinations with waiting deliveries, in serving order
    EventPtr kick_, timer_;
    Clock::time_point timer_at_{};
};

}  // namespace tern::qmgr
