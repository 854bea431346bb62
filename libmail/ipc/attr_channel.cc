#include "libmail/ipc/attr_channel.h"

#include <event2/buffer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "libmail/core/log.h"
#include "libmail/event/write_now.h"

namespace tern::ipc {

namespace {

// Names the other end for log lines: on a UNIX socket the kernel vouches for
// its pid and uid (SO_PEERCRED), which is what an admin needs to find the sender.
std::string describe_peer(int fd) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && len == sizeof cred)
        return "pid " + std::to_string(cred.pid) + " uid " + std::to_string(cred.uid);
    return "unknown peer";
}

}  // namespace

AttrChannel::AttrChannel(event_base* base, UniqueFd fd, std::size_t max_message_bytes) : max_bytes_(max_message_bytes) {
    evutil_make_socket_nonblocking(fd.get());
    peer_ = describe_peer(fd.get());
    bev_ = bufferevent_socket_new(base, fd.release(), BEV_OPT_CLOSE_ON_FREE);
    if (!bev_) return;
    bufferevent_setcb(bev_, read_cb, write_cb, event_cb, this);
    // send() writes at once; the write event only takes what the socket did not.
    bufferevent_enable(bev_, EV_READ);
    bufferevent_disable(bev_, EV_WRITE);
}

AttrChannel::~AttrChannel() {
    if (bev_) bufferevent_free(bev_);
}

void AttrChannel::send(const AttrList& msg) {
    if (!bev_ || closing_) return;
    const std::string data = encode(msg);
    bufferevent_write(bev_, data.data(), data.size());
    if (!write_now(bev_)) bufferevent_enable(bev_, EV_WRITE);
}

bool AttrChannel::flushed() const { return !bev_ || evbuffer_get_length(bufferevent_get_output(bev_)) == 0; }

void AttrChannel::close_when_flushed() {
    if (!bev_) return;
    closing_ = true;
    if (evbuffer_get_length(bufferevent_get_output(bev_)) == 0) shut("closed");
    else bufferevent_enable(bev_, EV_WRITE);  // write_cb shuts once it is out
}

void AttrChannel::shut(const std::string& why) {
    if (!bev_) return;
    bufferevent_free(bev_);
    bev_ = nullptr;
    if (on_close_) {
        auto fn = std::move(on_close_);  // exactly once, and the owner may destroy us in it
        fn(why);
    }
}

void AttrChannel::handle_input() {
    evbuffer* in = bufferevent_get_input(bev_);
    while (bev_ && !closing_) {
        const std::size_t avail = evbuffer_get_length(in);
        if (avail == 0) return;
        const std::size_t look = std::min(avail, max_bytes_ + 8);
        const auto* p = reinterpret_cast<const char*>(evbuffer_pullup(in, static_cast<ev_ssize_t>(look)));
        AttrList msg;
        std::size_t used = 0;
        switch (decode(std::string_view(p, look), max_bytes_, msg, used)) {
        case DecodeStatus::NeedMore:
            return;
        case DecodeStatus::TooLarge:
        case DecodeStatus::Malformed:
            // From one of our own processes this is a bug in the sender: drop it, never guess.
            log::warning("malformed IPC message from %s (%zu bytes buffered): closing the channel", peer_.c_str(),
                         avail);
            shut("malformed message");
            return;
        case DecodeStatus::Ok:
            evbuffer_drain(in, used);
            if (on_message_) {
                // Held here while it runs: the owner may set another callback
                // from inside it (a pooled connection given back), which must
                // not destroy the one running.
                MessageFn fn = std::move(on_message_);
                on_message_ = nullptr;
                replaced_ = false;
                fn(std::move(msg));
                if (!replaced_) on_message_ = std::move(fn);
            }
            break;
        }
    }
}

void AttrChannel::read_cb(bufferevent*, void* ctx) noexcept { static_cast<AttrChannel*>(ctx)->handle_input(); }

void AttrChannel::write_cb(bufferevent*, void* ctx) noexcept {
    auto* self = static_cast<AttrChannel*>(ctx);
    bufferevent_disable(self->bev_, EV_WRITE);  // all out: send() writes at once again
    if (self->closing_) self->shut("closed");
}

void AttrChannel::event_cb(bufferevent*, short what, void* ctx) noexcept {
    auto* self = static_cast<AttrChannel*>(ctx);
    if (what & BEV_EVENT_EOF) self->shut("connection closed by peer");
    else if (what & BEV_EVENT_ERROR) self->shut(std::string("connection error: ") + std::strerror(EVUTIL_SOCKET_ERROR()));
}

}  // namespace tern::ipc
