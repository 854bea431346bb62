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

void send_trigger(const std::string& queue_dir, const std::string& service, char code) {
    const std::string path = service_path(queue_dir, false, service);
    auto fd = connect_unix(path);
    if (!fd) {
        // A full backlog means triggers are already waiting: this one adds nothing (Postfix is
        // silent too). Otherwise the service is down; said at most once a minute, as a busy
        // smtpd would say it for every message while master restarts qmgr.
        if (fd.error().code == EAGAIN) return;
        static std::time_t last_warning = 0;
        const std::time_t now = std::time(nullptr);
        if (now - last_warning >= 60) {
            last_warning = now;
            log::warning("trigger %s: %s", path.c_str(), fd.error().message.c_str());
        }
        return;
    }
    // MSG_NOSIGNAL: a command (postqueue -f) must not die of SIGPIPE if qmgr is going away.
    if (::send(fd->get(), &code, 1, MSG_NOSIGNAL) != 1) log::warning("trigger %s: write: %m", path.c_str());
}

}  // namespace tern::ipc
