#include "authd/auth_service.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "libmail/config/params_auth.h"
#include "libmail/config/params_global.h"
#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/core/privs.h"

namespace tern::authd {

std::string state_directory(const config::Config& cfg) { return cfg.get(config::kDataDirectory) + "/authd"; }

void AuthService::prepare_state_directory(const config::Config& cfg) {
    const std::string dir = state_directory(cfg);
    if (auto r = make_dirs(dir, 0700); !r) log::fatal("%s", r.error().message.c_str());
    if (!running_as_root()) return;
    auto user = lookup_user(cfg.get(config::kAuthdUser));
    if (!user) log::fatal("authd_user: %s", user.error().message.c_str());
    // The ban list is authd's alone: nobody else needs to read who is banned.
    if (::chown(dir.c_str(), user->uid, user->gid) != 0 || ::chmod(dir.c_str(), 0700) != 0)
        log::fatal("%s", sys_error("chown", dir).message.c_str());
    const std::string bans = dir + "/bans";
    if (::chown(bans.c_str(), user->uid, user->gid) != 0 && errno != ENOENT)
        log::fatal("%s", sys_error("chown", bans).message.c_str());
}

void AuthService::setup(server::Context& ctx) {
    base_ = ctx.base;
    const auto& cfg = *ctx.cfg;
    FailureTracker::Policy policy;
    policy.failure_limit = static_cast<int>(cfg.get_int(config::kAuthFailureLimit));
    policy.window = cfg.get_time(config::kAuthFailureWindow);
    policy.ban_time = cfg.get_time(config::kAuthBanTime);
    policy.ban_max_time = cfg.get_time(config::kAuthBanMaxTime);
    if (policy.ban_max_time < policy.ban_time)
        log::warning("auth_ban_max_time (%llds) is shorter than auth_ban_time (%llds): using auth_ban_time",
                     static_cast<long long>(policy.ban_max_time.count()),
                     static_cast<long long>(policy.ban_time.count()));
    FailureTracker failures(policy, ban_state_path(cfg));
    failures.load(FailureTracker::Clock::now());
    auth_.emplace(cfg.get(config::kAuthUsersFile), std::move(failures),
                  static_cast<int>(cfg.get_int(config::kSmtpdUserMessageRateLimit)));
    reaper_.reset(event_new(base_, -1, 0, on_reap, this));
    sweeper_.reset(event_new(base_, -1, EV_PERSIST, on_sweep, this));
    const timeval every{static_cast<time_t>(kSweepInterval.count()), 0};
    event_add(sweeper_.get(), &every);
}

void AuthService::accept(UniqueFd fd) {
    auto ch = std::make_unique<ipc::AttrChannel>(base_, std::move(fd));
    ipc::AttrChannel* raw = ch.get();
    raw->on_message([this, raw](ipc::AttrList&& req) { raw->send(auth_->answer(req, FailureTracker::Clock::now())); });
    raw->on_close([this, raw](const std::string&) { retire(raw); });
    if (!raw->is_open()) return;  // bufferevent could not be created: ch is freed here, outside any callback
    clients_.emplace(raw, std::move(ch));
}

void AuthService::retire(ipc::AttrChannel* ch) {
    auto node = clients_.extract(ch);
    if (node.empty()) return;  // already retired
    graveyard_.push_back(std::move(node.mapped()));
    event_active(reaper_.get(), EV_TIMEOUT, 0);
}

void AuthService::on_reap(evutil_socket_t, short, void* ctx) noexcept {
    static_cast<AuthService*>(ctx)->graveyard_.clear();
}

void AuthService::on_sweep(evutil_socket_t, short, void* ctx) noexcept {
    auto* self = static_cast<AuthService*>(ctx);
    if (self->auth_) self->auth_->failures().sweep(FailureTracker::Clock::now());
}

}  // namespace tern::authd
