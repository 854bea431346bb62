// Binding the listening sockets: inet services on "host:port", "[v6]:port",
// "port" or a services(5) name; unix services under private/ or public/.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "libmail/config/params_global.h"
#include "libmail/core/privs.h"
#include "libmail/core/text.h"
#include "libmail/ipc/attr_channel.h"
#include "master/master.h"

namespace tern::master {

namespace {

constexpr int kListenBacklog = 128;

std::string where(const config::MasterEntry& e) {
    return "master.cf:" + std::to_string(e.line) + ": service " + e.service;
}

Result<UniqueFd> bind_inet(const config::MasterEntry& e, const config::Config& cfg, std::string& addr_out) {
    std::string host, port = e.service;
    if (!port.empty() && port.front() == '[') {
        const auto close = port.find("]:");
        if (close == std::string::npos) return Error(where(e) + ": malformed [address]:port");
        host = port.substr(1, close - 1);
        port = port.substr(close + 2);
    } else if (const auto colon = port.rfind(':'); colon != std::string::npos) {
        host = port.substr(0, colon);
        port = port.substr(colon + 1);
    }
    if (host.empty()) {
        const auto ifaces = cfg.get_list(config::kInetInterfaces);
        const std::string first = ifaces.empty() ? "all" : ifaces.front();
        if (iequals(first, "all")) host = "";
        else if (iequals(first, "loopback-only")) host = "127.0.0.1";
        else host = first;
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
    hints.ai_family = host.empty() ? AF_INET6 : AF_UNSPEC;
    addrinfo* res = nullptr;
    int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0 && host.empty()) {  // no IPv6 on this host: all IPv4 addresses
        hints.ai_family = AF_INET;
        rc = ::getaddrinfo(nullptr, port.c_str(), &hints, &res);
    }
    if (rc != 0) return Error(where(e) + ": cannot resolve " + host + ":" + port + ": " + ::gai_strerror(rc));
    UniqueFd fd(::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) {
        ::freeaddrinfo(res);
        return sys_error("socket");
    }
    const int one = 1, zero = 0;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (res->ai_family == AF_INET6 && host.empty())
        ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    const int b = ::bind(fd.get(), res->ai_addr, res->ai_addrlen);
    ::freeaddrinfo(res);
    addr_out = (host.empty() ? "*" : host) + ":" + port;
    if (b != 0) return sys_error("bind", where(e) + " " + addr_out);
    if (::listen(fd.get(), kListenBacklog) != 0) return sys_error("listen", addr_out);
    return fd;
}

Result<UniqueFd> bind_unix(const config::MasterEntry& e, const config::Config& cfg, std::string& addr_out) {
    const std::string path = ipc::service_path(cfg.get(config::kQueueDirectory), e.is_private, e.service);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    if (path.size() >= sizeof sun.sun_path) return Error(where(e) + ": socket path too long: " + path);
    std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return sys_error("socket");
    ::unlink(path.c_str());
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0) return sys_error("bind", path);
    // private/: our own processes only (mail_owner's group); public/: anyone, for postqueue -f.
    const mode_t mode = e.is_private ? 0660 : 0666;
    if (::chmod(path.c_str(), mode) != 0) return sys_error("chmod", path);
    if (running_as_root()) {
        auto owner = lookup_user(cfg.get(config::kMailOwner));
        if (!owner) return Error(owner.error().message);
        if (::chown(path.c_str(), owner->uid, owner->gid) != 0) return sys_error("chown", path);
    }
    if (::listen(fd.get(), kListenBacklog) != 0) return sys_error("listen", path);
    addr_out = path;
    return fd;
}

}  // namespace

Result<UniqueFd> open_listener(const config::MasterEntry& e, const config::Config& cfg, std::string& addr_out) {
    switch (e.type) {
    case config::ServiceType::Inet: return bind_inet(e, cfg, addr_out);
    case config::ServiceType::Unix: return bind_unix(e, cfg, addr_out);
    case config::ServiceType::Pass:
    case config::ServiceType::Fifo:
    case config::ServiceType::UnixDgram:
        return Error(where(e) + ": this service type is not supported by Tern (use inet or unix)");
    }
    return Error(where(e) + ": unknown service type");
}

}  // namespace tern::master
