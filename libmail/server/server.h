// The daemon skeleton every Tern service runs in (Postfix's single_server /
// multi_server, cut down to one shape): parse the argv master gives, load
// main.cf with the service's -o overrides, set up logging, drop privileges,
// then run one libevent loop that accepts connections on the listening
// socket master passed as fd 3.
//
// argv from master:  PROGRAM -c CONFIG_DIR -n SERVICE -t TYPE [-o name=value]... [-v]
// Without fd 3 the daemon runs with no listener (debugging only).
//
// Signals: SIGTERM stops at once (nothing durable is in memory: DESIGN.md);
// SIGHUP (master's reload) stops accepting and exits once on_idle_check says
// the process is idle, so master can start one with the new configuration.
#pragma once

#include <event2/event.h>
#include <sys/socket.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "libmail/config/config.h"
#include "libmail/core/unique_fd.h"

namespace tern::server {

inline constexpr int kListenFd = 3;   // master passes the service's listening socket here

struct Context {
    event_base* base = nullptr;
    const config::Config* cfg = nullptr;
    std::string program;              // "smtpd"
    std::string service;              // master.cf service name: "smtp", "submission", "qmgr"
    std::string queue_dir;            // queue_directory, resolved
    std::vector<std::string> args;    // master.cf arguments that are not -o/-c/-n/-t
    bool stopping = false;            // set on SIGHUP: finish and exit
};

struct Peer {
    std::string address;   // "127.0.0.1", "::1"; "" for UNIX sockets
    int port = 0;
};

struct Hooks {
    // The user to become when started as root (default: mail_owner). An empty
    // string keeps root, which only master may do: run() refuses it.
    std::function<std::string(const config::Config&)> run_as;
    // Runs before the privilege drop (open files only root can open).
    std::function<void(Context&)> before_drop;
    // Runs after the drop, with the loop ready (register timers, connect).
    std::function<void(Context&)> after_drop;
    // A new connection on the listening socket; the hook owns the fd.
    std::function<void(Context&, UniqueFd, const Peer&)> on_connection;
    // After SIGHUP: true when the process may exit now. Default: always.
    std::function<bool(Context&)> is_idle;
    // After the loop ends, while the event base still exists: free what holds
    // events (an event freed after its base is a use after free).
    std::function<void(Context&)> before_exit;
};

// The environment variable in which master gives its pid to its children.
inline constexpr const char* kMasterPidVariable = "TERN_MASTER_PID";

// Runs the daemon and returns the process exit code. Configuration errors
// are printed as "fatal: FILE:LINE: ..." and return 1 before anything starts.
int run(int argc, char** argv, const std::string& program, Hooks hooks);

// Points logging at stderr (TERN_LOG_SINK=stderr, master -d), maillog_file
// or syslog, with ident "$syslog_name/program". Used by master too.
void setup_logging(const config::Config& cfg, const std::string& program);

// Parses "name=value" of a -o argument.
std::pair<std::string, std::string> split_override(const std::string& arg);

}  // namespace tern::server
