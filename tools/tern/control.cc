// tern start | start-fg | stop | status | reload | check
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "libmail/config/config.h"
#include "libmail/config/master_cf.h"
#include "libmail/config/params_global.h"
#include "libmail/core/file_io.h"
#include "libmail/server/pid_lock.h"
#include "tools/tern/tern.h"

namespace tern::cli {

namespace {

constexpr int kStartTimeoutMs = 30'000;
constexpr auto kStopTimeout = std::chrono::seconds(30);

config::Config load_checked(const Options& o, bool print_warnings) {
    auto cfg = config::Config::load(o.config_dir);
    if (!cfg) throw std::runtime_error(cfg.error().message);
    if (print_warnings)
        for (const auto& w : cfg->warnings()) std::fprintf(stderr, "tern: warning: %s\n", w.c_str());
    const std::string path = o.config_dir + "/master.cf";
    auto text = read_file(path, config::kMaxMasterCfBytes);
    if (!text) throw std::runtime_error(text.error().message);
    auto entries = config::parse_master_cf(*text, path);
    if (!entries) throw std::runtime_error(entries.error().message);
    return std::move(*cfg);
}

std::string pid_file(const config::Config& cfg) { return cfg.get(config::kDataDirectory) + "/master.pid"; }

}  // namespace

int cmd_check(const Options& o) {
    load_checked(o, true);
    return 0;
}

int cmd_start(const Options& o, bool foreground) {
    const auto cfg = load_checked(o, true);
    if (pid_t pid = server::running_master_pid(pid_file(cfg)); pid > 0) {
        std::fprintf(stderr, "tern: fatal: the Tern mail system is already running (pid %d)\n", static_cast<int>(pid));
        return 1;
    }
    const std::string master = cfg.get(config::kDaemonDirectory) + "/master";
    if (foreground) {
        std::fprintf(stderr, "tern: starting the Tern mail system in the foreground (Ctrl-C stops it)\n");
        std::fflush(stderr);
        ::execl(master.c_str(), "master", "-c", o.config_dir.c_str(), "-d", static_cast<char*>(nullptr));
        throw std::runtime_error("cannot run " + master + ": " + std::strerror(errno));
    }
    int ready[2];
    if (::pipe(ready) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::close(ready[0]);
        ::setsid();
        const int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, 0);
        ::dup2(null, 1);  // stderr stays until master is ready: start-up errors reach the admin
        const std::string fd = std::to_string(ready[1]);
        ::execl(master.c_str(), "master", "-c", o.config_dir.c_str(), "-r", fd.c_str(), static_cast<char*>(nullptr));
        std::fprintf(stderr, "tern: fatal: cannot run %s: %s\n", master.c_str(), std::strerror(errno));
        ::_exit(127);
    }
    ::close(ready[1]);
    pollfd p{ready[0], POLLIN, 0};
    char byte = 0;
    const bool ok = ::poll(&p, 1, kStartTimeoutMs) == 1 && ::read(ready[0], &byte, 1) == 1;
    ::close(ready[0]);
    if (!ok) {
        std::fprintf(stderr, "tern: fatal: the Tern mail system did not start (see the log)\n");
        return 1;
    }
    std::printf("tern: starting the Tern mail system\n");
    return 0;
}

int cmd_stop(const Options& o) {
    const auto cfg = load_checked(o, false);
    const pid_t pid = server::running_master_pid(pid_file(cfg));
    if (pid <= 0) {
        std::fprintf(stderr, "tern: fatal: the Tern mail system is not running\n");
        return 1;
    }
    ::kill(pid, SIGTERM);
    const auto until = std::chrono::steady_clock::now() + kStopTimeout;
    while (server::running_master_pid(pid_file(cfg)) > 0) {
        if (std::chrono::steady_clock::now() > until) {
            std::fprintf(stderr, "tern: fatal: master (pid %d) did not stop\n", static_cast<int>(pid));
            return 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::printf("tern: stopping the Tern mail system\n");
    return 0;
}

int cmd_status(const Options& o) {
    const auto cfg = load_checked(o, false);
    if (pid_t pid = server::running_master_pid(pid_file(cfg)); pid > 0) {
        std::printf("tern: the Tern mail system is running: PID: %d\n", static_cast<int>(pid));
        return 0;
    }
    std::printf("tern: the Tern mail system is not running\n");
    return 1;
}

int cmd_reload(const Options& o) {
    const auto cfg = load_checked(o, true);  // a broken edit is reported here, before master sees it
    const pid_t pid = server::running_master_pid(pid_file(cfg));
    if (pid <= 0) {
        std::fprintf(stderr, "tern: fatal: the Tern mail system is not running\n");
        return 1;
    }
    ::kill(pid, SIGHUP);
    std::printf("tern: refreshing the Tern mail system\n");
    return 0;
}

}  // namespace tern::cli
