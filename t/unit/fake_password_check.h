// authd as the mailbox servers' tests and fuzz targets need it: a password
// check that answers with a fixed verdict on the next loop turn, as the
// real client does (never from inside start); destroying it cancels it.
#pragma once

#include <event2/event.h>

#include <utility>

#include "libmail/auth/auth_client.h"
#include "libmail/event/event_ptrs.h"

namespace tern::test {

class FakePasswordCheck : public auth::PasswordCheck {
public:
    FakePasswordCheck(event_base* base, auth::Verdict v, Done done) : v_(std::move(v)), done_(std::move(done)) {
        ev_.reset(evtimer_new(base, fire, this));
        const timeval now{0, 0};
        evtimer_add(ev_.get(), &now);
    }

private:
    static void fire(evutil_socket_t, short, void* arg) noexcept {
        auto* self = static_cast<FakePasswordCheck*>(arg);
        self->done_(self->v_);
    }
    auth::Verdict v_;
    Done done_;
    EventPtr ev_;
};

}  // namespace tern::test
