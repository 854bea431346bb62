// imapd: the IMAP4rev1 server (RFC 3501 subset, see imapd/session.h). One
// process serves many connections on one libevent loop, inside the daemon
// skeleton of libmail/server. It runs as the mail store owner, asks authd
// for passwords and reads Maildirs through libmail/store. TLS: STARTTLS on
// the imap service, TLS from the first byte where master.cf says
// -o imapd_tls_wrappermode=yes (imaps); the key is read as root.
// SECURITY: everything a client sends is untrusted: lines and literals are
// bounded where they are read; passwords go only to authd, and only inside
// TLS unless imapd_tls_auth_only = no.
#include <event2/event.h>

#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "imapd/mailbox_watch.h"
#include "imapd/session.h"
#include "libmail/config/params_global.h"
#include "libmail/config/params_mailbox.h"
#include "libmail/core/log.h"
#include "libmail/event/owned_set.h"
#include "libmail/maps/map.h"
#include "libmail/server/server.h"
#include "libmail/store/mail_owner.h"
#include "libmail/server/mail_access.h"
#include "libmail/tls/server_tls.h"

namespace tern::imapd {
namespace {

class Server {
public:
    // Before the privilege drop: the key may be readable by root only.
    void load_tls(server::Context& ctx) {
        const auto& cfg = *ctx.cfg;
        auto t = tls::load_server_context(cfg, {"imapd", cfg.get(config::kImapdTlsCertFile),
                                                cfg.get(config::kImapdTlsKeyFile), cfg.get(config::kImapdTlsProtocols),
                                                cfg.get(config::kImapdTlsCiphers)});
        if (!t) log::fatal("%s", t.error().message.c_str());
        tls_ = std::move(*t);
        settings_.tls_wrappermode = cfg.get_bool(config::kImapdTlsWrappermode);
        if (settings_.tls_wrappermode && !tls_) log::fatal("imapd_tls_wrappermode = yes needs imapd_tls_cert_file");
        if (!tls_) log::info("no imapd_tls_cert_file: STARTTLS is not offered");
        settings_.tls = tls_.get();
    }

    void setup(server::Context& ctx) {
        base_ = ctx.base;
        const auto& cfg = *ctx.cfg;
        settings_.idle_timeout = cfg.get_time(config::kImapdTimeout);
        settings_.login_failure_delay = cfg.get_time(config::kImapdLoginFailureDelay);
        settings_.tls_auth_only = cfg.get_bool(config::kImapdTlsAuthOnly);
        const auto limit = cfg.get_int(config::kMessageSizeLimit);
        // Messages in the store may predate a lower limit: allow some slack, and a
        // fixed ceiling when the limit is off.
        settings_.max_message_bytes = limit > 0 ? static_cast<std::size_t>(limit) * 2 : 256u * 1024 * 1024;
        // APPEND holds the message in memory: a ceiling even without a limit.
        settings_.append_limit = limit > 0 ? static_cast<std::size_t>(limit) : 64u * 1024 * 1024;
        services_ = server::make_mail_access(base_, cfg, ctx.queue_dir);
        if (watch_.start(base_)) settings_.watch = &watch_;
        sessions_.attach(base_);
    }

    void accept(UniqueFd fd, const server::Peer& peer) {
        Session* s = sessions_.add(std::make_unique<Session>(base_, std::move(fd), peer.address, settings_, services_,
                                                             [this](Session* done) { sessions_.retire(done); }));
        s->start();
    }

    bool idle() const { return sessions_.empty(); }

private:
    event_base* base_ = nullptr;
    Settings settings_;
    std::unique_ptr<tls::ServerContext> tls_;
    MailboxWatch watch_;
    Services services_;
    OwnedSet<Session> sessions_;
};

}  // namespace
}  // namespace tern::imapd

int main(int argc, char** argv) {
    static tern::imapd::Server srv;  // lives as long as the loop, which ends before exit
    tern::server::Hooks hooks;
    // The mail store owner (virtual_uid_maps static:UID, else mail_owner).
    hooks.run_as = [](const tern::config::Config& cfg) { return tern::store::mailbox_owner(cfg); };
    hooks.before_drop = [](tern::server::Context& ctx) { srv.load_tls(ctx); };
    hooks.after_drop = [](tern::server::Context& ctx) { srv.setup(ctx); };
    hooks.on_connection = [](tern::server::Context&, tern::UniqueFd fd, const tern::server::Peer& peer) {
        srv.accept(std::move(fd), peer);
    };
    hooks.is_idle = [](tern::server::Context&) { return srv.idle(); };
    return tern::server::run(argc, argv, "imapd", std::move(hooks));
}
