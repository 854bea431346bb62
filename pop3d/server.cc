#include "pop3d/server.h"

#include "libmail/config/params_global.h"
#include "libmail/config/params_mailbox.h"
#include "libmail/core/log.h"
#include "libmail/server/mail_access.h"

namespace tern::pop3d {

void Server::setup(server::Context& ctx) {
    base_ = ctx.base;
    const auto& cfg = *ctx.cfg;
    settings_.idle_timeout = cfg.get_time(config::kPop3dTimeout);
    settings_.login_failure_delay = cfg.get_time(config::kPop3dLoginFailureDelay);
    services_ = server::make_mail_access(base_, cfg, ctx.queue_dir);
    sessions_.attach(base_);
}

void Server::accept(UniqueFd fd, const server::Peer& peer) {
    Session* s = sessions_.add(std::make_unique<Session>(base_, std::move(fd), peer.address, settings_, services_,
                                                         [this](Session* done) { sessions_.retire(done); }));
    s->start();
}

}  // namespace tern::pop3d
