#include "libmail/event/min_delay.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "libmail/event/event_ptrs.h"

using namespace tern;

TEST_CASE("a timer armed with at_least never fires before its time", "[event]") {
    EventBasePtr base(event_base_new());
    for (int i = 0; i < 20; ++i) {
        bool fired = false;
        EventPtr timer(evtimer_new(
            base.get(), [](evutil_socket_t, short, void* f) { *static_cast<bool*>(f) = true; }, &fired));
        const auto t0 = std::chrono::steady_clock::now();
        const timeval wait = at_least(std::chrono::milliseconds(12));
        evtimer_add(timer.get(), &wait);
        // A loop woken often (other connections, say) checks its timers often.
        while (!fired) {
            event_base_loop(base.get(), EVLOOP_NONBLOCK);
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(12));
    }
}
