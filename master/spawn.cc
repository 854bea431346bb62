// Starting one child: its socket becomes fd 3, everything else of master's
// is closed, and (as root) a service marked unpriv=y becomes mail_owner
// before exec; unpriv=n services start as root and drop themselves at once.
#include <grp.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <fcntl.h>

#include <cstring>
#include <optional>

#include "libmail/config/params_global.h"
#include "libmail/core/log.h"
#include "libmail/core/privs.h"
#include "master/master.h"

namespace tern::master {

namespace {

constexpr int kChildListenFd = 3;  // server::kListenFd

const char* type_name(config::ServiceType t) {
    switch (t) {
    case config::ServiceType::Inet: return "inet";
    case config::ServiceType::Unix: return "unix";
    case config::ServiceType::Pass: return "pass";
    case config::ServiceType::Fifo: return "fifo";
    case config::ServiceType::UnixDgram: return "unix-dgram";
    }
    return "unix";
}

[[noreturn]] void child_fail(const char* what) {
    log::error("%s: %m", what);
    ::_exit(127);
}

}  // namespace

Result<pid_t> spawn_child(const Service& s, const config::Config& cfg) {
    const std::string program = cfg.get(config::kDaemonDirectory) + "/" + s.entry.command;
    std::vector<std::string> args{s.entry.command, "-c", cfg.config_dir(), "-n", s.entry.service,
                                  "-t", type_name(s.entry.type)};
    args.insert(args.end(), s.entry.args.begin(), s.entry.args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    const pid_t pid = ::fork();
    if (pid < 0) return sys_error("fork");
    if (pid > 0) return pid;

    // Child.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGHUP, SIGTERM, SIGCHLD, SIGPIPE, SIGINT}) ::signal(sig, SIG_DFL);
    if (s.listen_fd.get() != kChildListenFd) {
        if (::dup2(s.listen_fd.get(), kChildListenFd) < 0) child_fail("dup2");
    } else if (::fcntl(kChildListenFd, F_SETFD, 0) != 0) {
        child_fail("fcntl");
    }
    ::close_range(kChildListenFd + 1, ~0U, 0);
    ::execv(program.c_str(), argv.data());
    child_fail(program.c_str());
}

}  // namespace tern::master
