#include "libmail/event/min_delay.h"

#include <time.h>

namespace tern {

timeval at_least(std::chrono::milliseconds d) {
    timespec tick{0, 10000000};  // the coarse clock's resolution; 10 ms if it cannot be read
    ::clock_getres(CLOCK_MONOTONIC_COARSE, &tick);
    const auto total = std::chrono::duration_cast<std::chrono::microseconds>(d) +
                       std::chrono::seconds(tick.tv_sec) +
                       std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::nanoseconds(tick.tv_nsec));
    return timeval{static_cast<time_t>(total.count() / 1000000), static_cast<suseconds_t>(total.count() % 1000000)};
}

}  // namespace tern
