#include "pop3d/server.h"

#include "libmail/config/params_global.h"
#include "libmail/config/params_mailbox.h"
#include "libmail/core/log.h"
#include "libmail/store/mailbox_location.h"

namespace tern::pop3d {

void Server::setup(server::Context& ctx) {
    base_ = ctx.base;
    const auto& cfg = *ctx.cfg;
    settings_.idle_timeout = cfg.get_time(config::kPop3dTimeout);
    settings_.login_failure_delay = cfg.get_time(config::kPop3dLoginFailureDelay);
    auto maps = maps::MapList::open(cfg.get_list(config::kVirtualMailboxMaps));
    if (!maps) log::fatal("virtual_mailbox_maps: %s", maps.error().message.c_str());
    maps_.emplace(std::move(*maps));
    mailbox_base_ = cfg.get(config::kVirtualMailboxBase);
    queue_dir_ = ctx.queue_dir;
    services_.check_password = [this](auth::PasswordRequest req, auth::PasswordCheck::Done done) {
        return auth::PasswordCheck::start(base_, queue_dir_, std::move(req), std::move(done));
    };
    services_.maildir_root = [this](const std::string& user) {
        return store::locate_maildir(*maps_, mailbox_base_, user);
    };
    sessions_.attach(base_);
}

void Server::accept(UniqueFd fd, const server::Peer& peer) {
    Session* s = sessions_.add(std::make_unique<Session>(base_, std::move(fd), peer.address, settings_, services_,
                                                         [this](Session* done) { sessions_.retire(done); }));
    s->start();
}

}  // namespace tern::pop3d
