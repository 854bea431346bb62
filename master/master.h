// master: the supervisor, and the only process that stays root. It reads
// master.cf, binds every listening socket before any child starts, spawns
// each service with its socket as fd 3, restarts a child that dies (with
// backoff when it dies at once), reloads on SIGHUP and stops on SIGTERM.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "libmail/config/config.h"
#include "libmail/config/master_cf.h"
#include "libmail/core/unique_fd.h"
#include "libmail/event/event_ptrs.h"

namespace tern::master {

class Master;
using Clock = std::chrono::steady_clock;

// One master.cf entry at run time: its socket and its processes.
struct Service {
    config::MasterEntry entry;
    std::string address;                 // what the socket is bound to, for logs and reload
    UniqueFd listen_fd;
    std::vector<pid_t> pids;
    std::chrono::seconds backoff{0};     // current restart delay after quick deaths
    Clock::time_point last_start{};
    EventPtr restart_timer;
    EventPtr wakeup_timer;
    EventPtr demand;                     // readable listen_fd while no process runs: start one
    bool retired = false;                // removed by reload: not restarted
    Master* master = nullptr;            // for the timer callbacks
};

// Binds the socket an entry asks for. Errors name the service and address.
[[nodiscard]] Result<UniqueFd> open_listener(const config::MasterEntry& e, const config::Config& cfg,
                                             std::string& address_out);

// Forks and execs one process of the service. Returns its pid.
[[nodiscard]] Result<pid_t> spawn_child(const Service& s, const config::Config& cfg);

class Master {
public:
    Master(std::string config_dir, bool foreground);
    // Loads the configuration, binds sockets and runs until SIGTERM. Returns the exit code.
    int run(int ready_fd);

private:
    static void on_signal(evutil_socket_t sig, short, void* ctx) noexcept;
    static void on_restart_timer(evutil_socket_t, short, void* ctx) noexcept;
    static void on_wakeup_timer(evutil_socket_t, short, void* ctx) noexcept;
    static void on_stop_timer(evutil_socket_t, short, void* ctx) noexcept;
    static void on_demand(evutil_socket_t, short, void* ctx) noexcept;

    [[nodiscard]] Result<void> load(std::vector<std::unique_ptr<Service>>& out,
                                    std::unique_ptr<config::Config>& cfg_out);
    void start_service(Service& s);
    void spawn_one(Service& s);
    void reap();
    void reload();
    void begin_stop();
    void arm_wakeup(Service& s);
    void start_or_wait(Service& s);
    Service* owner_of(pid_t pid);

    std::string config_dir_;
    bool foreground_;
    std::unique_ptr<config::Config> cfg_;
    std::vector<std::unique_ptr<Service>> services_;
    EventBasePtr base_;
    std::vector<EventPtr> signals_;
    EventPtr stop_timer_;
    bool stopping_ = false;
};

}  // namespace tern::master
