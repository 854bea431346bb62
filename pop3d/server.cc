#include "pop3d/server.h"

#include "libmail/config/params_global.h"
#include "libmail/config/params_mailbox.h"
#include "libmail/core/log.h"
#include "libmail/server/mail_access.h"
#include "libmail/tls/server_tls.h"

namespace tern::pop3d {

void Server::load_tls(server::Context& ctx) {
    const auto& cfg = *ctx.cfg;
    auto t = tls::load_server_context(cfg, {"pop3d", cfg.get(config::kPop3dTlsCertFile),
                                            cfg.get(config::kPop3dTlsKeyFile), cfg.get(config::kPop3dTlsProtocols),
                                            cfg.get(config::kPop3dTlsCiphers)});
    if (!t) log::fatal("%s", t.error().message.c_str());
    tls_ = std::move(*t);
    settings_.tls_wrappermode = cfg.get_bool(config::kPop3dTlsWrappermode);
    if (settings_.tls_wrappermode && !tls_) log::fatal("pop3d_tls_wrappermode = yes needs pop3d_tls_cert_file");
    if (!tls_) log::info("no pop3d_tls_cert_file: STLS is not offered");
    settings_.tls = tls_.get();
}

void Server::setup(server::Context& ctx) {
    base_ = ctx.base;
    const auto& cfg = *ctx.cfg;
    settings_.idle_timeout = cfg.get_time(config::kPop3dTimeout);
    settings_.login_failure_delay = cfg.get_time(config::kPop3dLoginFailureDelay);
    settings_.tls_auth_only = cfg.get_bool(config::kPop3dTlsAuthOnly);
    settings_.login_delay = cfg.get_time(config::kPop3dLoginDelay);
    services_ = server::make_mail_access(base_, cfg, ctx.queue_dir);
    sessions_.attach(base_);
}

void Server::accept(UniqueFd fd, const server::Peer& peer) {
    Session* s = sessions_.add(std::make_unique<Session>(base_, std::move(fd), peer.address, settings_, services_,
                                                         [this](Session* done) { sessions_.retire(done); }));
    s->start();
}

}  // namespace tern::pop3d
