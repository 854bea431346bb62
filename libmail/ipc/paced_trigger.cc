#include "libmail/ipc/paced_trigger.h"

#include "libmail/event/min_delay.h"

namespace tern::ipc {

PacedTrigger::PacedTrigger(event_base* base, const std::string& queue_dir, const std::string& service, char code,
                           std::chrono::microseconds window)
    : link_(queue_dir, service),
      code_(code),
      window_(window),
      window_end_(evtimer_new(base, &PacedTrigger::on_window_end, this)) {}

PacedTrigger::~PacedTrigger() {
    if (due_) link_.send(code_);
}

void PacedTrigger::fire() {
    if (due_) return;
    const auto since = std::chrono::steady_clock::now() - last_sent_;
    if (since >= window_ || !window_end_) return send_now();  // no timer (out of memory): unpaced
    const timeval tv = to_timeval(std::chrono::duration_cast<std::chrono::microseconds>(window_ - since));
    if (evtimer_add(window_end_.get(), &tv) != 0) return send_now();
    due_ = true;
}

void PacedTrigger::on_window_end(evutil_socket_t, short, void* self) noexcept {
    auto* t = static_cast<PacedTrigger*>(self);
    t->due_ = false;
    t->send_now();
}

void PacedTrigger::send_now() {
    last_sent_ = std::chrono::steady_clock::now();
    ++sent_;
    link_.send(code_);
}

}  // namespace tern::ipc
