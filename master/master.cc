#include "master/master.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "libmail/config/params_cleanup.h"
#include "libmail/config/params_dmarc.h"
#include "libmail/config/params_global.h"
#include "libmail/config/params_master.h"
#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/core/privs.h"
#include "libmail/ipc/attr_channel.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/server/pid_lock.h"
#include "libmail/server/server.h"

namespace tern::master {

namespace {

// A child that dies sooner than this after start is restarted with backoff,
// so a daemon that crashes at once is not restarted in a tight loop.
constexpr std::chrono::seconds kQuickDeath{10};
constexpr std::chrono::seconds kFirstBackoff{1};

std::string describe_exit(int status) {
    if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
}

bool same_socket(const config::MasterEntry& a, const config::MasterEntry& b) {
    return a.service == b.service && a.type == b.type && a.is_private == b.is_private;
}

}  // namespace

Master::Master(std::string config_dir, bool foreground)
    : config_dir_(std::move(config_dir)), foreground_(foreground) {}

Result<void> Master::load(std::vector<std::unique_ptr<Service>>& out, std::unique_ptr<config::Config>& cfg_out) {
    auto cfg = config::Config::load(config_dir_);
    if (!cfg) return cfg.error();
    for (const auto& w : cfg->warnings()) log::warning("%s", w.c_str());
    const std::string path = config_dir_ + "/master.cf";
    auto text = read_file(path, config::kMaxMasterCfBytes);
    if (!text) return text.error();
    auto entries = config::parse_master_cf(*text, path);
    if (!entries) return entries.error();
    for (auto& e : *entries) {
        auto s = std::make_unique<Service>();
        s->entry = std::move(e);
        out.push_back(std::move(s));
    }
    cfg_out = std::make_unique<config::Config>(std::move(*cfg));
    return {};
}

int Master::run(int ready_fd) {
    auto loaded = load(services_, cfg_);
    if (!loaded) {
        log::error("%s", loaded.error().message.c_str());
        return 1;
    }
    const auto& cfg = *cfg_;
    server::setup_logging(cfg, "master");
    // Children compare their parent with this to notice that master died (server::run).
    ::setenv(server::kMasterPidVariable, std::to_string(::getpid()).c_str(), 1);
    const std::string queue_dir = cfg.get(config::kQueueDirectory);
    const std::string data_dir = cfg.get(config::kDataDirectory);
    uid_t owner_uid = ::getuid();
    gid_t owner_gid = ::getgid();
    if (running_as_root()) {
        auto owner = lookup_user(cfg.get(config::kMailOwner));
        if (!owner) {
            log::error("mail_owner: %s", owner.error().message.c_str());
            return 1;
        }
        owner_uid = owner->uid;
        owner_gid = owner->gid;
    }
    if (auto r = make_dirs(data_dir, 0755); !r) {
        log::error("%s", r.error().message.c_str());
        return 1;
    }
    auto lock = server::take_pid_lock(data_dir + "/master.pid");
    if (!lock) {
        log::error("%s", lock.error().message.c_str());
        return 1;
    }
    // maildrop/ belongs to the setgid_group of postdrop, so users can submit.
    gid_t maildrop_gid = owner_gid;
    if (running_as_root()) {
        const std::string group = cfg.get(config::kSetgidGroup);
        std::vector<char> buf(16384);
        struct group gr{};
        struct group* found = nullptr;
        if (::getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &found) == 0 && found) {
            maildrop_gid = found->gr_gid;
        } else {
            log::warning("setgid_group %s does not exist: only root and mail_owner can submit with sendmail",
                         group.c_str());
        }
    }
    if (auto r = queue::create_queue_dirs(queue_dir, owner_uid, owner_gid, maildrop_gid); !r) {
        log::error("%s", r.error().message.c_str());
        return 1;
    }
    // smtpd appends DMARC evaluations there and qmgr turns them into reports.
    if (cfg.get_bool(config::kSmtpdDmarcChecks) && cfg.get_bool(config::kDmarcAggregateReports)) {
        const std::string dir = cfg.get(config::kDmarcReportDirectory);
        if (auto r = make_dirs(dir, 0750); !r) {
            log::error("%s", r.error().message.c_str());
            return 1;
        }
        if (running_as_root() && ::chown(dir.c_str(), owner_uid, owner_gid) != 0) {
            log::error("%s", sys_error("chown", dir).message.c_str());
            return 1;
        }
    }
    // Every socket is bound before any child starts (a child never races its socket).
    for (auto& s : services_) {
        auto fd = open_listener(s->entry, cfg, s->address);
        if (!fd) {
            log::error("%s", fd.error().message.c_str());
            return 1;
        }
        s->listen_fd = std::move(*fd);
    }
    base_.reset(event_base_new());
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) {
        EventPtr ev(evsignal_new(base_.get(), sig, on_signal, this));
        event_add(ev.get(), nullptr);
        signals_.push_back(std::move(ev));
    }
    log::info("daemon started -- version %s, configuration %s", TERN_VERSION, config_dir_.c_str());
    if (ready_fd >= 0) {
        // Detached ("tern start"): start-up errors have had their chance to reach
        // the admin's terminal; from here on everything goes to the log, and no
        // child holds the terminal (or the caller's pipe) open.
        if (const int null = ::open("/dev/null", O_WRONLY); null >= 0) {
            ::dup2(null, 2);
            ::close(null);
        }
    }
    for (auto& s : services_) {
        if (foreground_ && s->entry.type == config::ServiceType::Inet)
            log::info("service %s (%s) listening on %s", s->entry.service.c_str(), s->entry.command.c_str(),
                      s->address.c_str());
        start_service(*s);
    }
    if (ready_fd >= 0) {  // tell "tern start" that the sockets are bound
        [[maybe_unused]] ssize_t w = ::write(ready_fd, "1", 1);
        ::close(ready_fd);
    }
    event_base_dispatch(base_.get());
    log::info("terminating on signal");
    return 0;
}

void Master::start_service(Service& s) {
    // Every daemon is one event loop serving many connections, so one process
    // per service is the default; maxproc stays the upper bound (docs/architecture.md).
    s.master = this;
    if (s.pids.empty() && !s.restart_timer) start_or_wait(s);
    arm_wakeup(s);
}

// As Postfix's master does, a service starts when a client first connects
// (or qmgr first asks a delivery agent), so a service nobody uses (port 465,
// the SMTP client on a host that only receives) holds no process and no
// memory. Services with a wakeup time (qmgr, pickup) have work of their own
// at start and run from the start.
void Master::start_or_wait(Service& s) {
    if (s.entry.wakeup > 0 || !s.listen_fd) {
        spawn_one(s);
        return;
    }
    if (!s.demand) s.demand.reset(event_new(base_.get(), s.listen_fd.get(), EV_READ, on_demand, &s));
    event_add(s.demand.get(), nullptr);
}

void Master::on_demand(evutil_socket_t, short, void* ctx) noexcept {
    auto* s = static_cast<Service*>(ctx);
    if (!s->master->stopping_ && !s->retired && s->pids.empty() && !s->restart_timer) s->master->spawn_one(*s);
}

void Master::spawn_one(Service& s) {
    auto pid = spawn_child(s, *cfg_);
    if (!pid) {
        log::warning("cannot start service %s: %s", s.entry.service.c_str(), pid.error().message.c_str());
        return;
    }
    s.pids.push_back(*pid);
    s.last_start = Clock::now();
}

void Master::arm_wakeup(Service& s) {
    if (s.entry.wakeup <= 0 || s.wakeup_timer) return;
    s.wakeup_timer.reset(event_new(base_.get(), -1, EV_PERSIST, on_wakeup_timer, &s));
    const timeval tv{s.entry.wakeup, 0};
    event_add(s.wakeup_timer.get(), &tv);
}

void Master::on_wakeup_timer(evutil_socket_t, short, void* ctx) noexcept {
    auto* s = static_cast<Service*>(ctx);
    if (s->entry.type == config::ServiceType::Unix && !s->pids.empty())
        ipc::send_trigger(dir_of(dir_of(s->address)), s->entry.service, ipc::kTriggerScan);
}

Service* Master::owner_of(pid_t pid) {
    for (auto& s : services_)
        if (std::find(s->pids.begin(), s->pids.end(), pid) != s->pids.end()) return s.get();
    return nullptr;
}

void Master::reap() {
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
        Service* s = owner_of(pid);
        if (!s) continue;
        s->pids.erase(std::find(s->pids.begin(), s->pids.end(), pid));
        const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (!clean && !stopping_)
            log::warning("process %s/%s pid %d %s", cfg_->get(config::kDaemonDirectory).c_str(),
                         s->entry.command.c_str(), static_cast<int>(pid), describe_exit(status).c_str());
        if (stopping_ || s->retired) continue;
        const auto lived = Clock::now() - s->last_start;
        if (!clean && lived < kQuickDeath) {
            const auto cap = cfg_->get_time(config::kServiceThrottleTime);
            s->backoff = s->backoff.count() == 0 ? kFirstBackoff : std::min(cap, s->backoff * 2);
            log::warning("%s: service %s is dying at start: restarting in %llds", s->entry.command.c_str(),
                         s->entry.service.c_str(), static_cast<long long>(s->backoff.count()));
        } else {
            s->backoff = std::chrono::seconds{0};
        }
        s->master = this;
        s->restart_timer.reset(evtimer_new(base_.get(), on_restart_timer, s));
        const timeval tv{static_cast<time_t>(s->backoff.count()), 0};
        evtimer_add(s->restart_timer.get(), &tv);
    }
    if (stopping_) {
        bool any = false;
        for (auto& s : services_) any = any || !s->pids.empty();
        if (!any) event_base_loopbreak(base_.get());
    }
    // Services removed by a reload go once their last process has exited.
    std::erase_if(services_, [](const auto& s) { return s->retired && s->pids.empty(); });
}

void Master::on_restart_timer(evutil_socket_t, short, void* ctx) noexcept {
    auto* s = static_cast<Service*>(ctx);
    s->restart_timer.reset();
    if (!s->master->stopping_ && !s->retired && s->pids.empty()) s->master->start_or_wait(*s);
}

void Master::reload() {
    std::vector<std::unique_ptr<Service>> fresh;
    std::unique_ptr<config::Config> cfg;
    if (auto r = load(fresh, cfg); !r) {
        log::warning("reload failed, keeping the running configuration: %s", r.error().message.c_str());
        return;
    }
    log::info("reload -- version %s, configuration %s", TERN_VERSION, config_dir_.c_str());
    std::vector<std::unique_ptr<Service>> next;
    for (auto& f : fresh) {
        auto old = std::find_if(services_.begin(), services_.end(),
                                [&](const auto& s) { return s && !s->retired && same_socket(s->entry, f->entry); });
        if (old != services_.end()) {
            // Keep the bound socket and the running processes; they exit when idle (SIGHUP)
            // and the reaper starts them again with the new configuration.
            (*old)->entry = f->entry;
            for (pid_t p : (*old)->pids) ::kill(p, SIGHUP);
            next.push_back(std::move(*old));
            services_.erase(old);
        } else {
            auto fd = open_listener(f->entry, *cfg, f->address);
            if (!fd) {
                log::warning("reload: %s", fd.error().message.c_str());
                continue;
            }
            f->listen_fd = std::move(*fd);
            next.push_back(std::move(f));
        }
    }
    for (auto& gone : services_) {  // services no longer in master.cf
        gone->retired = true;
        for (pid_t p : gone->pids) ::kill(p, SIGTERM);
        gone->demand.reset();  // before its descriptor closes
        gone->listen_fd.reset();
        gone->wakeup_timer.reset();
        if (!gone->pids.empty()) next.push_back(std::move(gone));
    }
    services_ = std::move(next);
    cfg_ = std::move(cfg);
    for (auto& s : services_)
        if (!s->retired) start_service(*s);
}

void Master::begin_stop() {
    if (stopping_) return;
    stopping_ = true;
    bool any = false;
    for (auto& s : services_) {
        s->restart_timer.reset();
        s->wakeup_timer.reset();
        s->demand.reset();
        for (pid_t p : s->pids) {
            ::kill(p, SIGTERM);
            any = true;
        }
    }
    if (!any) {
        event_base_loopbreak(base_.get());
        return;
    }
    stop_timer_.reset(evtimer_new(base_.get(), on_stop_timer, this));
    const timeval tv{static_cast<time_t>(cfg_->get_time(config::kMasterStopTimeout).count()), 0};
    evtimer_add(stop_timer_.get(), &tv);
}

void Master::on_stop_timer(evutil_socket_t, short, void* ctx) noexcept {
    auto* m = static_cast<Master*>(ctx);
    for (auto& s : m->services_)
        for (pid_t p : s->pids) ::kill(p, SIGKILL);
    event_base_loopbreak(m->base_.get());
}

void Master::on_signal(evutil_socket_t sig, short, void* ctx) noexcept {
    auto* m = static_cast<Master*>(ctx);
    switch (sig) {
    case SIGCHLD: m->reap(); break;
    case SIGHUP: m->reload(); break;
    default: m->begin_stop(); break;
    }
}

}  // namespace tern::master
