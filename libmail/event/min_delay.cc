#include "libmail/event/min_delay.h"

#include <time.h>

namespace tern {

timeval to_timeval(std::chrono::microseconds d) {
    return timeval{static_cast<time_t>(d.count() / 1000000), static_cast<suseconds_t>(d.count() % 1000000)};
}

timeval at_least(std::chrono::milliseconds d) {
    timespec tick{0, 10000000};  // the coarse clock's resolution; 10 ms if it cannot be read
    ::clock_getres(CLOCK_MONOTONIC_COARSE, &tick);
    return to_timeval(std::chrono::duration_cast<std::chrono::microseconds>(d) + std::chrono::seconds(tick.tv_sec) +
                      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::nanoseconds(tick.tv_nsec)));
}

}  // namespace tern
