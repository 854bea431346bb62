#include "libmail/ipc/attr_channel.h"

#include <event2/buffer.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "libmail/core/log.h"

namespace tern::ipc {

AttrChannel::AttrChannel(event_base* base, UniqueFd fd, std::size_t max_message_bytes) : max_bytes_(max_message_bytes) {
    evutil_make_socket_nonblocking(fd.get());
    bev_ = bufferevent_socket_new(base, fd.release(), BEV_OPT_CLOSE_ON_FREE);
    if (!bev_) return;
    bufferevent_setcb(bev_, read_cb, write_cb, event_cb, this);
    bufferevent_enable(bev_, EV_READ | EV_WRITE);
}

AttrChannel::~AttrChannel() {
    if (bev_) bufferevent_free(bev_);
}

void AttrChannel::send(const AttrList& msg) {
    if (!bev_ || closing_) return;
    const std::string data = encode(msg);
    bufferevent_write(bev_, data.data(), data.size());
}

void AttrChannel::close_when_flushed() {
    if (!bev_) return;
    closing_ = true;
    if (evbuffer_get_length(bufferevent_get_output(bev_)) == 0) shut("closed");
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
            log::warning("malformed or oversized IPC message (%zu bytes buffered): closing the channel", avail);
            shut("malformed message");
            return;
        case DecodeStatus::Ok:
            evbuffer_drain(in, used);
            if (on_message_) on_message_(std::move(msg));
            break;
        }
    }
}

void AttrChannel::read_cb(bufferevent*, void* ctx) noexcept { static_cast<AttrChannel*>(ctx)->handle_input(); }

void AttrChannel::write_cb(bufferevent*, void* ctx) noexcept {
    auto* self = static_cast<AttrChannel*>(ctx);
    if (self->closing_) self->shut("closed");
}

void AttrChannel::event_cb(bufferevent*, short what, void* ctx) noexcept {
    auto* self = static_cast<AttrChannel*>(ctx);
    if (what & BEV_EVENT_EOF) self->shut("connection closed by peer");
    else if (what & BEV_EVENT_ERROR) self->shut(std::string("connection error: ") + std::strerror(EVUTIL_SOCKET_ERROR()));
}

Result<UniqueFd> connect_unix(const std::string& path) {
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    if (path.size() >= sizeof sun.sun_path) return Error("socket path too long: " + path);
    std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return sys_error("socket");
    // A UNIX-domain connect either succeeds at once or fails (EAGAIN: backlog full).
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0) return sys_error("connect", path);
    return fd;
}

std::string service_path(const std::string& queue_dir, bool is_private, const std::string& name) {
    return queue_dir + (is_private ? "/private/" : "/public/") + name;
}

void send_trigger(const std::string& queue_dir, const std::string& service, char code) {
    const std::string path = service_path(queue_dir, false, service);
    auto fd = connect_unix(path);
    if (!fd) {
        log::warning("trigger %s: %s", path.c_str(), fd.error().message.c_str());
        return;
    }
    if (::write(fd->get(), &code, 1) != 1) log::warning("trigger %s: write: %m", path.c_str());
}

}  // namespace tern::ipc
