// pickup: brings locally submitted mail (sendmail -> postdrop -> maildrop/)
// into the queue through Cleanup, then wakes qmgr (pickup/pickup.h). Runs as
// mail_owner; its socket is public/pickup, where postdrop writes a one-byte
// trigger, and master's wakeup timer and its own timer make it rescan.
// SECURITY: maildrop/ files come from any local user (through the setgid
// postdrop): each is opened without following links, size-bounded, validated
// record by record, and a bad one is moved to corrupt/. A trigger byte only
// causes a scan.
#include <optional>

#include "libmail/config/params_cleanup.h"
#include "libmail/config/params_dkim.h"
#include "libmail/config/params_global.h"
#include "libmail/core/log.h"
#include "libmail/server/server.h"
#include "pickup/pickup.h"

int main(int argc, char** argv) {
    using namespace tern;
    std::optional<maps::MapList> checks;
    std::optional<dkim::SigningTable> signing;
    std::optional<pickup::Pickup> pickup;
    std::optional<pickup::PickupServer> srv;
    server::Hooks hooks;
    hooks.after_drop = [&](server::Context& ctx) {
        const auto& cfg = *ctx.cfg;
        auto m = maps::MapList::open(cfg.get_list(config::kHeaderChecks));
        if (!m) log::fatal("header_checks: %s", m.error().message.c_str());
        checks.emplace(std::move(*m));
        pickup::Settings s;
        s.myhostname = cfg.get(config::kMyHostname);
        s.myorigin = cfg.get(config::kMyOrigin);
        s.mail_name = cfg.get(config::kMailName);
        s.header_size_limit = static_cast<std::size_t>(cfg.get_int(config::kHeaderSizeLimit));
        s.header_section_size_limit = static_cast<std::size_t>(cfg.get_int(config::kHeaderSectionSizeLimit));
        s.message_size_limit = static_cast<std::uint64_t>(cfg.get_int(config::kMessageSizeLimit));
        s.recipient_limit = static_cast<std::size_t>(cfg.get_int(config::kPostdropRecipientLimit));
        s.header_checks = &*checks;
        if (cfg.get_bool(config::kDkimSign)) {
            auto table = dkim::SigningTable::open(cfg);
            if (!table) log::fatal("%s", table.error().message.c_str());
            s.signing = &signing.emplace(std::move(*table));
        }
        pickup.emplace(ctx.queue_dir, std::move(s));
        srv.emplace(ctx.base, *pickup, std::chrono::seconds(60));
    };
    hooks.on_connection = [&](server::Context&, UniqueFd fd, const server::Peer&) { srv->accept_trigger(std::move(fd)); };
    hooks.before_exit = [&](server::Context&) { srv.reset(); };
    return server::run(argc, argv, "pickup", std::move(hooks));
}
