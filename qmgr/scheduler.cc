#include "qmgr/scheduler.h"

#include <algorithm>
#include <cmath>

#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::qmgr {

Scheduler::Scheduler(event_base* base, SchedulerSettings s, Start start, Suspend suspend)
    : s_(std::move(s)), start_(std::move(start)), suspend_(std::move(suspend)) {
    kick_.reset(event_new(base, -1, 0, on_kick, this));
    timer_.reset(event_new(base, -1, 0, on_kick, this));
}

std::string Scheduler::key_of(const Route& r) { return r.transport + '\n' + to_lower(r.nexthop); }

namespace {

double first_window(const DestinationLimits& l, std::size_t initial) {
    if (l.rate_delay.count() > 0) return 1;
    return static_cast<double>(std::max<std::size_t>(1, std::min(initial, l.concurrency)));
}

}  // namespace

Scheduler::Destination& Scheduler::destination(const Route& r) {
    auto [it, fresh] = destinations_.try_emplace(key_of(r));
    Destination& d = it->second;
    if (fresh) {
        d.transport = r.transport;
        d.nexthop = r.nexthop;
        if (s_.limits) d.limits = s_.limits(r.transport);
        d.limits.concurrency = std::max<std::size_t>(1, d.limits.concurrency);
        d.window = first_window(d.limits, s_.initial_concurrency);
    }
    return d;
}

void Scheduler::add(const Route& route, Delivery* delivery) {
    Destination& d = destination(route);
    if (d.waiting.empty()) turn_.push_back(key_of(route));  // turn_ lists exactly the destinations with waiting work
    d.waiting.push_back(delivery);
    kick();
}

void Scheduler::done(const Route& route, const Feedback& f) {
    auto it = destinations_.find(key_of(route));
    if (it == destinations_.end()) log::panic("scheduler: a delivery ended for an unknown destination");
    Destination& d = it->second;
    if (d.running > 0) --d.running;
    if (auto& t = transport_running_[d.transport]; t > 0) --t;
    const auto now = now_();
    const bool paced = d.limits.rate_delay.count() > 0;
    if (paced) d.next_start = now + d.limits.rate_delay;
    switch (f.kind) {
    case Feedback::Kind::Ok:
        d.failed_cohorts = 0;
        d.dead_until = {};  // a delivery that was under way when the destination died came through
        if (!paced && (d.credit += 1) >= d.window) {
            d.credit = 0;
            d.window = std::min(d.window + 1, static_cast<double>(d.limits.concurrency));
        }
        break;
    case Feedback::Kind::HopFailure:
        d.credit = 0;
        d.last_failure = now;
        d.failed_cohorts += 1 / d.window;
        if (!paced) d.window = std::max(1.0, d.window - 1);
        if (d.failed_cohorts >= s_.failed_cohort_limit && d.dead_until == Clock::time_point{}) {
            d.dead_until = now + s_.dead_time;
            d.dead_dsn = f.dsn.empty() ? "4.4.1" : f.dsn;
            d.dead_reason = f.reason;
            log::info("destination %s:%s is not reachable, its mail waits %llds: %s", d.transport.c_str(),
                      printable(d.nexthop).c_str(), static_cast<long long>(s_.dead_time.count()),
                      printable(f.reason, 300).c_str());
        }
        break;
    case Feedback::Kind::Neutral:
        break;
    }
    kick();
}

bool Scheduler::dead(Destination& d, Clock::time_point now) {
    if (d.dead_until == Clock::time_point{}) return false;
    if (now < d.dead_until) return true;
    d.dead_until = {};
    d.failed_cohorts = 0;
    d.window = first_window(d.limits, s_.initial_concurrency);
    return false;
}

void Scheduler::revive_all() {
    for (auto& [key, d] : destinations_) {
        if (d.dead_until == Clock::time_point{} && d.failed_cohorts == 0) continue;
        d.dead_until = {};
        d.failed_cohorts = 0;
        d.window = first_window(d.limits, s_.initial_concurrency);
    }
    kick();
}

void Scheduler::kick() { event_active(kick_.get(), EV_TIMEOUT, 0); }

void Scheduler::on_kick(evutil_socket_t, short, void* ctx) noexcept { static_cast<Scheduler*>(ctx)->pump(); }

void Scheduler::pump() {
    const auto now = now_();
    struct Held {
        Delivery* delivery;
        std::string dsn, reason;
    };
    std::vector<Held> suspended;
    std::vector<Delivery*> started;
    Clock::time_point wake{};

    for (auto it = turn_.begin(); it != turn_.end();) {
        Destination& d = destinations_.at(*it);
        if (!dead(d, now)) {
            ++it;
            continue;
        }
        for (Delivery* x : d.waiting) suspended.push_back({x, d.dead_dsn, "delivery temporarily suspended: " + d.dead_reason});
        d.waiting.clear();
        it = turn_.erase(it);
    }
    // One delivery per destination per round, so every destination gets its turn.
    for (bool progress = true; progress;) {
        progress = false;
        for (auto it = turn_.begin(); it != turn_.end();) {
            Destination& d = destinations_.at(*it);
            std::size_t& transport_running = transport_running_[d.transport];
            const bool paced = d.limits.rate_delay.count() > 0;
            const auto cap = paced ? std::size_t{1} : static_cast<std::size_t>(std::floor(d.window));
            bool can = d.running < cap && transport_running < s_.transport_limit;
            if (can && paced && now < d.next_start) {
                can = false;
                if (wake == Clock::time_point{} || d.next_start < wake) wake = d.next_start;
            }
            if (!can) {
                ++it;
                continue;
            }
            started.push_back(d.waiting.front());
            d.waiting.pop_front();
            ++d.running;
            ++transport_running;
            progress = true;
            it = d.waiting.empty() ? turn_.erase(it) : std::next(it);
        }
    }
    if (turn_.size() > 1) turn_.splice(turn_.end(), turn_, turn_.begin());  // the next pump starts elsewhere
    forget_idle();
    if (wake != Clock::time_point{}) arm_timer(wake);

    for (auto& h : suspended) suspend_(h.delivery, h.dsn, h.reason);
    for (Delivery* x : started) start_(x);
}

// An idle destination is forgotten (as Postfix deletes an empty queue). A dead
// or paced one is kept until its time has passed, so the mark holds, and one
// that failed lately is kept for dead_time, so failures of messages that come
// one by one still add up.
void Scheduler::forget_idle() {
    const auto now = now_();
    for (auto it = destinations_.begin(); it != destinations_.end();) {
        const Destination& d = it->second;
        const bool failing = d.failed_cohorts > 0 && now < d.last_failure + s_.dead_time;
        const bool idle = d.running == 0 && d.waiting.empty() && now >= d.dead_until && now >= d.next_start && !failing;
        it = idle ? destinations_.erase(it) : std::next(it);
    }
}

void Scheduler::arm_timer(Clock::time_point when) {
    if (event_pending(timer_.get(), EV_TIMEOUT, nullptr) && timer_at_ <= when) return;
    timer_at_ = when;
    const auto wait = std::chrono::duration_cast<std::chrono::microseconds>(when - now_());
    const long long us = std::max<long long>(wait.count(), 0);
    const timeval tv{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
    event_add(timer_.get(), &tv);
}

std::size_t Scheduler::window(const Route& route) const {
    auto it = destinations_.find(key_of(route));
    return it == destinations_.end() ? 0 : static_cast<std::size_t>(std::floor(it->second.window));
}

bool Scheduler::is_dead(const Route& route) const {
    auto it = destinations_.find(key_of(route));
    return it != destinations_.end() && it->second.dead_until != Clock::time_point{} && now_() < it->second.dead_until;
}

std::size_t Scheduler::running(const Route& route) const {
    auto it = destinations_.find(key_of(route));
    return it == destinations_.end() ? 0 : it->second.running;
}

}  // namespace tern::qmgr
