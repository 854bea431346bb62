// PacedTrigger: a trigger (DESIGN.md) sent at most once per window while the
// events behind it keep coming. The first after a quiet spell goes at once;
// those that come within the window after it become one trigger at its end.
// smtpd wakes qmgr this way for new mail: one scan of incoming/ then finds
// several files, where a trigger per message woke qmgr and made it list
// incoming/ once per message. Mail waits at most one window longer for qmgr.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "libmail/event/event_ptrs.h"
#include "libmail/ipc/attr_channel.h"

namespace tern::ipc {

class PacedTrigger {
public:
    PacedTrigger(event_base* base, const std::string& queue_dir, const std::string& service, char code,
                 std::chrono::microseconds window);
    ~PacedTrigger();  // a trigger still due is sent now
    PacedTrigger(const PacedTrigger&) = delete;
    PacedTrigger& operator=(const PacedTrigger&) = delete;

    void fire();
    std::uint64_t sent() const { return sent_; }  // triggers written so far

private:
    static void on_window_end(evutil_socket_t, short, void* self) noexcept;
    void send_now();

    TriggerLink link_;
    char code_;
    std::chrono::microseconds window_;
    EventPtr window_end_;
    bool due_ = false;  // fired within the window: one trigger at its end
    std::chrono::steady_clock::time_point last_sent_{};
    std::uint64_t sent_ = 0;
};

}  // namespace tern::ipc
