// IDLE (RFC 2177): the client waits for new mail without polling. imapd
// hears of changes to the selected folder from inotify (MailboxWatch) and
// also looks every Settings::idle_poll, and sends EXISTS, EXPUNGE and flag
// changes as they happen, until the client sends "DONE".
#include "imapd/mailbox_watch.h"
#include "imapd/session.h"
#include "libmail/core/text.h"

namespace tern::imapd {

void Session::cmd_idle(const std::string& tag, Parser& p) {
    if (!p.at_end()) return bad(tag, "IDLE takes no arguments");
    if (!idle_poll_) idle_poll_.reset(event_new(base_, -1, EV_PERSIST, on_idle_poll, this));
    const auto ms = settings_.idle_poll.count();
    const timeval every{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
    if (!idle_poll_ || event_add(idle_poll_.get(), &every) != 0)
        return tagged(tag, "NO [UNAVAILABLE] Cannot idle now");
    idling_ = true;
    idle_tag_ = tag;
    if (settings_.watch && state_ == State::Selected && mbox_)
        idle_watch_ = settings_.watch->watch(mbox_->path(), [this] {
            if (idling_ && !closing_ && state_ == State::Selected) report_changes(true);
        });
    send("+ idling\r\n");
}

void Session::stop_idle_watch() {
    if (idle_watch_ && settings_.watch) settings_.watch->unwatch(idle_watch_);
    idle_watch_ = 0;
}

void Session::idle_line(std::string_view line) {
    idling_ = false;
    if (idle_poll_) event_del(idle_poll_.get());
    stop_idle_watch();
    if (!iequals(line, "DONE")) return bad(idle_tag_, "Expected DONE");
    tagged(idle_tag_, "OK IDLE terminated");
}

void Session::on_idle_poll(evutil_socket_t, short, void* ctx) noexcept {
    auto* self = static_cast<Session*>(ctx);
    if (!self->idling_ || self->closing_) return;
    if (self->state_ == State::Selected) self->report_changes(true);
}

}  // namespace tern::imapd
