// Service sockets: connecting to private/ and public/ sockets, and triggers.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "libmail/core/log.h"
#include "libmail/ipc/attr_channel.h"

namespace tern::ipc {

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

TriggerLink::TriggerLink(const std::string& queue_dir, const std::string& service)
    : path_(service_path(queue_dir, false, service)) {}

void TriggerLink::send(char code) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!fd_) {
            auto fd = connect_unix(path_);
            if (!fd) {
                // A full backlog means triggers are already waiting: this one adds nothing (Postfix is
                // silent too). Otherwise the service is down; said at most once a minute, as a busy
                // smtpd would say it for every message while master restarts qmgr.
                if (fd.error().code == EAGAIN) return;
                static std::time_t last_warning = 0;
                const std::time_t now = std::time(nullptr);
                if (now - last_warning >= 60) {
                    last_warning = now;
                    log::warning("trigger %s: %s", path_.c_str(), fd.error().message.c_str());
                }
                return;
            }
            fd_ = std::move(*fd);
        }
        // MSG_NOSIGNAL: a command (postqueue -f) must not die of SIGPIPE if qmgr is going away.
        if (::send(fd_.get(), &code, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) return;
        // Unread triggers fill the socket: qmgr has enough to do already.
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        fd_.reset();  // the service restarted since this connection was made: connect again, once
    }
    log::warning("trigger %s: write: %m", path_.c_str());
}

void send_trigger(const std::string& queue_dir, const std::string& service, char code) {
    TriggerLink(queue_dir, service).send(code);
}

}  // namespace tern::ipc
