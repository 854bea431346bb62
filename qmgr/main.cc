// qmgr: the queue manager (qmgr/qmgr.h). Runs as mail_owner; its socket is
// public/qmgr, where smtpd, postqueue and master write one-byte triggers.
// SECURITY: a trigger byte is the only input from other processes here (any
// local user may send one: it only causes a queue scan); queue files are
// read through the validating reader, and a bad one goes to corrupt/.
#include <optional>

#include "libmail/config/params_dmarc.h"
#include "libmail/config/params_global.h"
#include "libmail/ipc/attr_channel.h"
#include "libmail/config/params_qmgr.h"
#include "libmail/config/params_smtp.h"
#include "libmail/core/log.h"
#include "libmail/dsn/settings.h"
#include "libmail/server/server.h"
#include "qmgr/qmgr.h"
#include "qmgr/scheduler_settings.h"

int main(int argc, char** argv) {
    using namespace tern;
    std::optional<qmgr::QueueManager> manager;
    std::unique_ptr<maps::MapList> transport_maps;
    server::Hooks hooks;
    hooks.before_drop = [&](server::Context& ctx) {  // tables may be readable by root only
        if (const auto specs = ctx.cfg->get_list(config::kTransportMaps); !specs.empty()) {
            auto m = maps::MapList::open(specs);
            if (!m) log::fatal("transport_maps: %s", m.error().message.c_str());
            transport_maps = std::make_unique<maps::MapList>(std::move(*m));
        }
    };
    hooks.after_drop = [&](server::Context& ctx) {
        const auto& cfg = *ctx.cfg;
        qmgr::Settings s;
        s.queue_run_delay = cfg.get_time(config::kQueueRunDelay);
        s.minimal_backoff = cfg.get_time(config::kMinimalBackoffTime);
        s.maximal_backoff = cfg.get_time(config::kMaximalBackoffTime);
        s.maximal_lifetime = cfg.get_time(config::kMaximalQueueLifetime);
        s.delay_warning = cfg.get_time(config::kDelayWarningTime);
        s.active_limit = static_cast<std::size_t>(cfg.get_int(config::kQmgrMessageActiveLimit));
        s.scheduler = qmgr::scheduler_settings(cfg);
        s.local_domains = cfg.get_list(config::kMyDestination);
        for (auto& d : cfg.get_list(config::kVirtualMailboxDomains)) s.local_domains.push_back(d);
        s.transport_maps = std::move(transport_maps);
        s.relayhost = cfg.get(config::kRelayhost);
        s.dsn = dsn::load_settings(cfg);
        manager.emplace(ctx.base, ctx.queue_dir, std::move(s));
        if (cfg.get_bool(config::kSmtpdDmarcChecks) && cfg.get_bool(config::kDmarcAggregateReports)) {
            auto r = qmgr::DmarcReporter::create(ctx.base, cfg, ctx.queue_dir,
                                                 [&] { manager->on_trigger(ipc::kTriggerIncoming); });
            if (!r) log::fatal("%s", r.error().message.c_str());
            (*r)->start();
            manager->set_reporter(std::move(*r));
        }
        manager->start();
    };
    hooks.on_connection = [&](server::Context&, UniqueFd fd, const server::Peer&) { manager->accept_trigger(std::move(fd)); };
    hooks.before_exit = [&](server::Context&) { manager.reset(); };
    return server::run(argc, argv, "qmgr", std::move(hooks));
}
