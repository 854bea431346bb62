// Timers that must not fire early. libevent keeps time with
// CLOCK_MONOTONIC_COARSE (a cheap read), which runs up to one tick behind the
// real clock, so a timer may fire up to a tick before its time. A delay that
// must last at least its length (the pause after a failed login) adds that
// tick.
#pragma once

#include <sys/time.h>

#include <chrono>

namespace tern {

// A duration as libevent's timeval.
timeval to_timeval(std::chrono::microseconds d);

// The timeval to give evtimer_add for a wait of at least d.
timeval at_least(std::chrono::milliseconds d);

}  // namespace tern
