// Tests of asynchronous code (DNS, DKIM, SPF, DMARC): run a real event loop
// until the callback under test said it is done, for 5 seconds at most.
#pragma once

#include <event2/event.h>

#include "libmail/event/event_ptrs.h"

namespace tern::test {

inline void run_until(event_base* base, const bool& done) {
    EventPtr guard(evtimer_new(
        base, [](evutil_socket_t, short, void* b) { event_base_loopbreak(static_cast<event_base*>(b)); }, base));
    const timeval five{5, 0};
    evtimer_add(guard.get(), &five);
    while (!done && evtimer_pending(guard.get(), nullptr)) event_base_loop(base, EVLOOP_ONCE);
}

}  // namespace tern::test
