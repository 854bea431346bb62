#include "authd/auth_service.h"

#include <sys/stat.h>

#include "libmail/config/params_auth.h"
#include "libmail/config/params_global.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::authd {

void AuthService::setup(server::Context& ctx) {
    base_ = ctx.base;
    const auto& cfg = *ctx.cfg;
    users_path_ = cfg.get(config::kAuthUsersFile);
    failures_ = std::make_unique<FailureTracker>(static_cast<int>(cfg.get_int(config::kAuthFailureLimit)),
                                                 cfg.get_time(config::kAuthFailureWindow),
                                                 cfg.get_time(config::kAuthBanTime));
    reaper_.reset(event_new(base_, -1, 0, on_reap, this));
    reload_if_changed();
}

void AuthService::reload_if_changed() {
    struct stat st{};
    if (::stat(users_path_.c_str(), &st) != 0) {
        log::warning("users table %s: %m", users_path_.c_str());
        users_.clear();
        return;
    }
    if (st.st_ino == users_ino_ && st.st_mtim.tv_sec == users_mtime_.tv_sec && st.st_mtim.tv_nsec == users_mtime_.tv_nsec)
        return;
    auto users = auth::load_users(users_path_);
    if (!users) {
        log::warning("users table: %s (keeping the previous version)", users.error().message.c_str());
        return;
    }
    users_ = std::move(*users);
    users_mtime_ = st.st_mtim;
    users_ino_ = st.st_ino;
}

const auth::Account* AuthService::find(const std::string& address) {
    for (const auto& a : users_)
        if (a.address == address) return &a;
    return nullptr;
}

ipc::AttrList AuthService::answer(const ipc::AttrList& req) {
    const auto now = FailureTracker::Clock::now();
    const std::string client = req.get_or("client_address", "");
    const std::string service = req.get_or("service", "?");
    if (req.get_or("request", "") != "password") return {{"status", "temp"}, {"reason", "unknown request"}};
    if (failures_->is_banned(client, now)) return {{"status", "banned"}, {"reason", "client address is banned"}};
    reload_if_changed();
    auto canon = auth::canonical_address(req.get_or("user", ""));
    const auth::Account* acct = canon ? find(*canon) : nullptr;
    // Hash even for unknown users so timing does not reveal which accounts exist.
    static const std::string kDummyHash = auth::hash_password("tern-dummy").value();
    const bool ok = auth::verify_password(req.get_or("password", ""), acct ? acct->hash : kDummyHash) && acct;
    if (ok && !acct->disabled) {
        failures_->record_success(client);
        return {{"status", "ok"}, {"user", acct->address}};
    }
    const std::string user = printable(req.get_or("user", ""), 100);
    const char* why = !acct ? "unknown user" : acct->disabled ? "account disabled" : "wrong password";
    log::warning("%s: authentication failed for %s from [%s]: %s", service.c_str(), user.c_str(),
                 printable(client, 60).c_str(), why);
    if (failures_->record_failure(client, now))
        log::warning("banning [%s] after too many authentication failures", printable(client, 60).c_str());
    return {{"status", "fail"}, {"reason", why}};
}

void AuthService::accept(UniqueFd fd) {
    auto ch = std::make_unique<ipc::AttrChannel>(base_, std::move(fd));
    ipc::AttrChannel* raw = ch.get();
    raw->on_message([this, raw](ipc::AttrList&& req) { raw->send(answer(req)); });
    raw->on_close([this, raw](const std::string&) { retire(raw); });
    clients_.emplace(raw, std::move(ch));
}

void AuthService::retire(ipc::AttrChannel* ch) {
    auto node = clients_.extract(ch);
    if (node.empty()) return;
    graveyard_.push_back(std::move(node.mapped()));
    event_active(reaper_.get(), EV_TIMEOUT, 0);
}

void AuthService::on_reap(evutil_socket_t, short, void* ctx) noexcept {
    static_cast<AuthService*>(ctx)->graveyard_.clear();
}

}  // namespace tern::authd
