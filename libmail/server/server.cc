#include "libmail/server/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "libmail/config/params_global.h"
#include "libmail/core/log.h"
#include "libmail/core/privs.h"
#include "libmail/core/text.h"
#include "libmail/event/event_ptrs.h"

namespace tern::server {

namespace {

struct Args {
    std::string config_dir;
    std::string service;
    std::string type;
    std::vector<std::pair<std::string, std::string>> overrides;
    std::vector<std::string> rest;
};

Args parse_args(int argc, char** argv, const std::string& program) {
    Args a;
    a.service = program;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto need = [&]() -> std::string {
            if (i + 1 >= argc) log::fatal("option %s needs a value", arg.c_str());
            return argv[++i];
        };
        if (arg == "-c") a.config_dir = need();
        else if (arg == "-n") a.service = need();
        else if (arg == "-t") a.type = need();
        else if (arg == "-o") a.overrides.push_back(split_override(need()));
        else if (arg == "-v") continue;
        else a.rest.push_back(arg);
    }
    if (a.config_dir.empty()) {
        const char* env = std::getenv("MAIL_CONFIG");
        a.config_dir = env && *env ? env : config::kConfigDirectory.default_value;
    }
    return a;
}

}  // namespace

// Logging goes where master's own does: stderr in the foreground
// (TERN_LOG_SINK=stderr, set by master -d), else maillog_file or syslog.
void setup_logging(const config::Config& cfg, const std::string& program) {
    const std::string ident = cfg.get(config::kSyslogName) + "/" + program;
    const std::string host = cfg.get(config::kMyHostname);
    const std::string file = cfg.get(config::kMaillogFile);
    const char* sink = std::getenv("TERN_LOG_SINK");
    if (sink && std::strcmp(sink, "stderr") == 0)
        log::setup(ident, log::Sink::Stderr, {}, host);
    else if (!file.empty())
        log::setup(ident, log::Sink::File, file, host);
    else
        log::setup(ident, log::Sink::Syslog);
}

namespace {

void drop_privileges(const config::Config& cfg, const std::string& user) {
    if (!running_as_root()) return;
    if (user.empty()) log::fatal("refusing to run as root: only master may");
    auto ids = lookup_user(user);
    if (!ids) log::fatal("%s", ids.error().message.c_str());
    if (ids->uid == 0) log::fatal("refusing to run as root user %s", user.c_str());
    // Every child also gets mail_owner's group: it opens private/ sockets and
    // lets local read queue files (mode 0640), without any other access.
    std::vector<gid_t> groups{ids->gid};
    if (auto owner = lookup_user(cfg.get(config::kMailOwner)); owner && owner->gid != ids->gid)
        groups.push_back(owner->gid);
    if (::setgroups(groups.size(), groups.data()) != 0) log::fatal("setgroups: %m");
    if (::setgid(ids->gid) != 0) log::fatal("setgid: %m");
    if (::setuid(ids->uid) != 0) log::fatal("setuid: %m");
    if (::setuid(0) == 0) log::fatal("privilege drop failed: root could be regained");
}

Peer peer_of(const sockaddr* sa) {
    Peer p;
    char buf[INET6_ADDRSTRLEN] = {0};
    if (sa->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
        ::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
        p.port = ntohs(in->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        ::inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
        p.port = ntohs(in6->sin6_port);
        // Show IPv4-mapped peers of a dual-stack socket as plain IPv4.
        if (std::strncmp(buf, "::ffff:", 7) == 0 && std::strchr(buf + 7, '.')) {
            std::memmove(buf, buf + 7, std::strlen(buf + 7) + 1);
        }
    }
    p.address = buf;
    return p;
}

struct Runtime {
    Context ctx;
    Hooks hooks;
    ListenerPtr listener;
    EventPtr term;
    EventPtr hup;
    EventPtr idle_check;
};

void on_accept(evconnlistener*, evutil_socket_t fd, sockaddr* sa, int, void* arg) noexcept {
    auto* rt = static_cast<Runtime*>(arg);
    UniqueFd client(fd);  // accept4() made it non-blocking and close-on-exec (LEV_OPT_CLOSE_ON_EXEC)
    // Replies are written whole by the session: sending them at once saves
    // the ~40 ms a small last write (a tagged OK) otherwise waits for the
    // client's delayed ACK (Nagle). Fails harmlessly on a Unix socket.
    if (sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (rt->ctx.stopping || !rt->hooks.on_connection) return;
    rt->hooks.on_connection(rt->ctx, std::move(client), peer_of(sa));
}

void on_term(evutil_socket_t, short, void* arg) noexcept {
    auto* rt = static_cast<Runtime*>(arg);
    event_base_loopbreak(rt->ctx.base);
}

void check_idle(evutil_socket_t, short, void* arg) noexcept {
    auto* rt = static_cast<Runtime*>(arg);
    if (!rt->hooks.is_idle || rt->hooks.is_idle(rt->ctx)) event_base_loopbreak(rt->ctx.base);
}

void on_hup(evutil_socket_t, short, void* arg) noexcept {
    auto* rt = static_cast<Runtime*>(arg);
    if (rt->ctx.stopping) return;
    rt->ctx.stopping = true;
    if (rt->listener) evconnlistener_disable(rt->listener.get());
    rt->idle_check.reset(event_new(rt->ctx.base, -1, EV_PERSIST, check_idle, rt));
    const timeval second{1, 0};
    event_add(rt->idle_check.get(), &second);
    check_idle(-1, 0, rt);
}

}  // namespace

std::pair<std::string, std::string> split_override(const std::string& arg) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos) return {arg, ""};
    auto name = std::string(arg.substr(0, eq));
    while (!name.empty() && name.back() == ' ') name.pop_back();
    auto value = arg.substr(eq + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    return {name, value};
}

namespace {

// A daemon leaves when master does, as Postfix's do: otherwise it would keep
// the listening sockets and the next "tern start" could not bind them. The
// kernel sends SIGTERM when the parent dies; a privilege drop clears that
// setting, so it is made after the last drop, and a master that died before
// it took effect is noticed by the parent pid having changed.
bool follow_master(pid_t master) {
    if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) log::warning("prctl(PR_SET_PDEATHSIG): %m");
    return ::getppid() == master;
}

// An event-driven daemon holds one descriptor per connection (imapd: 10,000
// idle clients in one process), far past the usual soft limit of 1024. As
// root (before the drop) the hard limit may rise too; kernel.nr_open caps it.
void raise_descriptor_limit() {
    constexpr rlim_t kWanted = 65536;
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
    if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < kWanted) {
        const rlimit more{kWanted, kWanted};
        if (::setrlimit(RLIMIT_NOFILE, &more) == 0) return;
    }
    lim.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) log::warning("setrlimit(RLIMIT_NOFILE): %m");
}

// The pid of the master this daemon belongs to; a daemon started by hand follows its parent.
pid_t master_pid() {
    const char* env = std::getenv(kMasterPidVariable);
    auto pid = env ? parse_number<pid_t>(env) : std::nullopt;
    return pid ? *pid : ::getppid();
}

}  // namespace

int run(int argc, char** argv, const std::string& program, Hooks hooks) {
    const pid_t master = master_pid();
    ::signal(SIGPIPE, SIG_IGN);
    // A daemon is one loop and at most a small commit pool (BlockingPool),
    // whose threads allocate little: one shared arena for them, not one per
    // thread (each would keep its own pages: memory the bench counts as PSS).
    ::mallopt(M_ARENA_MAX, 2);
    Args args = parse_args(argc, argv, program);
    auto cfg = config::Config::load(args.config_dir, args.overrides);
    if (!cfg) {
        log::error("%s", cfg.error().message.c_str());
        return 1;
    }
    setup_logging(*cfg, program);

    Runtime rt;
    rt.hooks = std::move(hooks);
    rt.ctx.cfg = &*cfg;
    rt.ctx.program = program;
    rt.ctx.service = args.service;
    rt.ctx.queue_dir = cfg->get(config::kQueueDirectory);
    rt.ctx.args = args.rest;

    raise_descriptor_limit();
    if (rt.hooks.before_drop) rt.hooks.before_drop(rt.ctx);
    drop_privileges(*cfg, rt.hooks.run_as ? rt.hooks.run_as(*cfg) : cfg->get(config::kMailOwner));
    if (!follow_master(master)) {
        log::warning("master has gone away: exiting");
        return 1;
    }

    EventBasePtr base(event_base_new());
    if (!base) log::fatal("event_base_new failed");
    rt.ctx.base = base.get();
    rt.term.reset(evsignal_new(base.get(), SIGTERM, on_term, &rt));
    rt.hup.reset(evsignal_new(base.get(), SIGHUP, on_hup, &rt));
    event_add(rt.term.get(), nullptr);
    event_add(rt.hup.get(), nullptr);

    if (::fcntl(kListenFd, F_GETFD) >= 0) {
        evutil_make_socket_nonblocking(kListenFd);
        evutil_make_socket_closeonexec(kListenFd);
        rt.listener.reset(evconnlistener_new(base.get(), on_accept, &rt, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1,
                                              kListenFd));
        if (!rt.listener) log::fatal("cannot listen on the socket master passed: %m");
    } else {
        log::warning("no listening socket from master (fd %d): running without one", kListenFd);
    }
    if (rt.hooks.after_drop) rt.hooks.after_drop(rt.ctx);

    event_base_dispatch(base.get());
    if (rt.hooks.before_exit) rt.hooks.before_exit(rt.ctx);
    rt.listener.reset();
    rt.idle_check.reset();
    rt.term.reset();
    rt.hup.reset();
    return 0;
}

}  // namespace tern::server
