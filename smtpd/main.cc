// smtpd: the SMTP server (RFC 5321) for inbound mail to local domains. It
// runs as mail_owner under master, one libevent loop serving many clients,
// writes each accepted message into queue_directory/incoming/ through
// QueueWriter and wakes qmgr with a trigger. It answers 250 to DATA only
// after the queue file is on disk (DESIGN.md invariant 1).
//
// SECURITY: everything from the network is untrusted: every command line is
// bounded (1000 octets) where it is read, message content only by
// message_size_limit and streamed to disk, addresses are parsed strictly, and
// peer text is logged only through printable(). main.cf, master.cf and the
// lookup tables are trusted (owned by root). No privileges are kept.
#include <memory>

#include "libmail/authres/sender_auth.h"
#include "libmail/config/params_cleanup.h"
#include "libmail/config/params_dkim.h"
#include "libmail/config/params_dmarc.h"
#include "libmail/dkim/signing_table.h"
#include "libmail/core/log.h"
#include "libmail/server/server.h"
#include "smtpd/policy.h"
#include "smtpd/session.h"
#include "smtpd/tls_setup.h"

int main(int argc, char** argv) {
    using namespace tern;
    std::unique_ptr<smtpd::Server> srv;
    std::unique_ptr<smtpd::Policy> policy;
    std::unique_ptr<smtpd::Restrictions> restrictions;
    std::unique_ptr<maps::MapList> header_checks;
    std::unique_ptr<tls::ServerContext> tls_ctx;
    std::unique_ptr<dkim::SigningTable> signing;
    server::Hooks hooks;
    hooks.before_drop = [&](server::Context& ctx) {  // tables may be readable by root only
        auto p = smtpd::Policy::load(*ctx.cfg);
        if (!p) log::fatal("%s", p.error().message.c_str());
        policy = std::move(*p);
        auto r = smtpd::Restrictions::load(*ctx.cfg);
        if (!r) log::fatal("%s", r.error().message.c_str());
        restrictions = std::move(*r);
        if (const auto specs = ctx.cfg->get_list(config::kHeaderChecks); !specs.empty()) {
            auto m = maps::MapList::open(specs);
            if (!m) log::fatal("header_checks: %s", m.error().message.c_str());
            header_checks = std::make_unique<maps::MapList>(std::move(*m));
        }
        if (ctx.cfg->get_bool(config::kDkimSign)) {
            auto table = dkim::SigningTable::open(*ctx.cfg);
            if (!table) log::fatal("%s", table.error().message.c_str());
            signing = std::make_unique<dkim::SigningTable>(std::move(*table));
        }
        auto t = smtpd::load_tls(*ctx.cfg);  // the key may be readable by root only
        if (!t) log::fatal("%s", t.error().message.c_str());
        tls_ctx = std::move(*t);
    };
    hooks.after_drop = [&](server::Context& ctx) {
        // Client names, DNS restrictions, SPF, DKIM and DMARC all ask through it.
        auto res = dns::Resolver::create(ctx.base, dns::Options::from_config(*ctx.cfg));
        if (!res) log::fatal("%s", res.error().message.c_str());
        std::unique_ptr<dns::Resolver> resolver = std::move(*res);
        srv = std::make_unique<smtpd::Server>(ctx.base, smtpd::Settings::from_config(*ctx.cfg, ctx.queue_dir),
                                              std::move(policy), std::move(restrictions), std::move(resolver));
        srv->set_tls(std::move(tls_ctx));
        srv->set_header_checks(std::move(header_checks));
        srv->set_signing(std::move(signing));
        auto sa = authres::SenderAuthConfig::from_config(*ctx.cfg);
        if (!sa) log::fatal("%s", sa.error().message.c_str());
        if (sa->any())
            srv->set_sender_auth(std::make_unique<authres::SenderAuthConfig>(std::move(*sa)),
                                 ctx.cfg->get_time(config::kDmarcReportFlushInterval));
    };
    hooks.on_connection = [&](server::Context&, UniqueFd fd, const server::Peer& peer) {
        srv->accept(std::move(fd), peer);
    };
    hooks.is_idle = [&](server::Context&) { return !srv || srv->session_count() == 0; };
    hooks.before_exit = [&](server::Context&) { srv.reset(); };
    return server::run(argc, argv, "smtpd", std::move(hooks));
}
