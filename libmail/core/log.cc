#include "libmail/core/log.h"

#include <fcntl.h>
#include <pthread.h>
#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace tern::log {

namespace {

// Process-wide logging state; trivially destructible pieces only, set once.
struct State {
    std::string ident = "tern";
    std::string hostname;
    Sink sink = Sink::Stderr;
    int fd = 2;
    std::atomic<pid_t> pid{0};  // getpid() once, not a system call per line; a fork resets it
};

State& state() {
    static State* s = [] {
        auto* st = new State();  // never destroyed: usable from atexit and abort paths
        ::pthread_atfork(nullptr, nullptr, [] { state().pid = 0; });
        return st;
    }();
    return *s;
}

pid_t own_pid(State& s) {
    pid_t pid = s.pid.load(std::memory_order_relaxed);
    if (pid == 0) s.pid.store(pid = ::getpid(), std::memory_order_relaxed);
    return pid;
}

constexpr std::size_t kMaxLineBytes = 4096;

void emit(int priority, const char* prefix, const char* fmt, va_list ap) {
    State& s = state();
    char msg[kMaxLineBytes];
    std::vsnprintf(msg, sizeof msg, fmt, ap);
    if (s.sink == Sink::Syslog) {
        ::syslog(priority, "%s%s", prefix, msg);
        return;
    }
    char stamp[32];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::localtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
    char line[kMaxLineBytes + 256];
    int n = std::snprintf(line, sizeof line, "%s %s %s[%d]: %s%s\n", stamp,
                          s.hostname.empty() ? "localhost" : s.hostname.c_str(), s.ident.c_str(),
                          static_cast<int>(own_pid(s)), prefix, msg);
    if (n < 0) return;
    if (static_cast<std::size_t>(n) >= sizeof line) {
        n = sizeof line - 1;
        line[n - 1] = '\n';
    }
    // One write per line: O_APPEND keeps lines of several processes whole.
    [[maybe_unused]] ssize_t w = ::write(s.fd, line, static_cast<std::size_t>(n));
}

}  // namespace

void setup(const std::string& ident, Sink sink, const std::string& path, const std::string& hostname) {
    State& s = state();
    s.ident = ident;
    s.hostname = hostname;
    if (s.fd > 2) ::close(s.fd);
    s.fd = 2;
    s.sink = sink;
    if (sink == Sink::Syslog) {
        ::openlog(s.ident.c_str(), LOG_PID | LOG_NDELAY, LOG_MAIL);
    } else if (sink == Sink::File) {
        const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
            s.fd = fd;
        } else {
            s.sink = Sink::Stderr;
            warning("cannot open maillog_file %s: %m; logging to stderr", path.c_str());
        }
    }
}

const std::string& ident() { return state().ident; }

#define TERN_LOG_BODY(prio, prefix)  \
    va_list ap;                      \
    va_start(ap, fmt);               \
    emit(prio, prefix, fmt, ap);     \
    va_end(ap)

void info(const char* fmt, ...) { TERN_LOG_BODY(LOG_INFO, ""); }
void warning(const char* fmt, ...) { TERN_LOG_BODY(LOG_WARNING, "warning: "); }
void error(const char* fmt, ...) { TERN_LOG_BODY(LOG_ERR, "error: "); }
void fatal(const char* fmt, ...) {
    TERN_LOG_BODY(LOG_CRIT, "fatal: ");
    std::exit(1);
}
void panic(const char* fmt, ...) {
    TERN_LOG_BODY(LOG_CRIT, "panic: ");
    std::abort();
}

}  // namespace tern::log
