#include "authd/auth_service.h"

#include "libmail/config/params_auth.h"
#include "libmail/config/params_global.h"

namespace tern::authd {

void AuthService::setup(server::Context& ctx) {
    base_ = ctx.base;
    const auto& cfg = *ctx.cfg;
    auth_.emplace(cfg.get(config::kAuthUsersFile),
                  FailureTracker(static_cast<int>(cfg.get_int(config::kAuthFailureLimit)),
                                 cfg.get_time(config::kAuthFailureWindow), cfg.get_time(config::kAuthBanTime)));
    reaper_.reset(event_new(base_, -1, 0, on_reap, this));
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

}  // namespace tern::authd
