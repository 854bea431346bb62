// local: Maildir delivery for qmgr's requests on private/local.
// Runs as the mailbox owner (virtual_uid_maps), with mail_owner's group so it
// can read queue files. Requests on one connection are handled in order.
// SECURITY: requests come only from qmgr (private/ socket, mode 0660); the
// message itself is copied, never interpreted. Mailbox paths come from
// virtual_mailbox_maps and may not be absolute or contain "..".
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "libmail/config/params_global.h"
#include "libmail/core/log.h"
#include "libmail/ipc/attr_channel.h"
#include "libmail/server/server.h"
#include "libmail/store/mail_owner.h"
#include "local/delivery.h"

namespace {

struct LocalService {
    std::optional<tern::local::Deliverer> deliverer;
    std::unordered_map<tern::ipc::AttrChannel*, std::unique_ptr<tern::ipc::AttrChannel>> clients;
    std::vector<std::unique_ptr<tern::ipc::AttrChannel>> graveyard;  // freed on the next accept
};

}  // namespace

int main(int argc, char** argv) {
    LocalService svc;
    tern::server::Hooks hooks;
    hooks.run_as = [](const tern::config::Config& cfg) { return tern::store::mailbox_owner(cfg); };
    hooks.after_drop = [&](tern::server::Context& ctx) {
        auto maps = tern::maps::MapList::open(ctx.cfg->get_list(tern::config::kVirtualMailboxMaps));
        if (!maps) tern::log::fatal("virtual_mailbox_maps: %s", maps.error().message.c_str());
        svc.deliverer.emplace(std::move(*maps), ctx.cfg->get(tern::config::kVirtualMailboxBase));
    };
    hooks.on_connection = [&](tern::server::Context& ctx, tern::UniqueFd fd, const tern::server::Peer&) {
        svc.graveyard.clear();
        auto ch = std::make_unique<tern::ipc::AttrChannel>(ctx.base, std::move(fd));
        auto* raw = ch.get();
        raw->on_message([&svc, raw](tern::ipc::AttrList&& req) { raw->send(svc.deliverer->handle(req)); });
        raw->on_close([&svc, raw](const std::string&) {
            auto node = svc.clients.extract(raw);
            if (!node.empty()) svc.graveyard.push_back(std::move(node.mapped()));
        });
        svc.clients.emplace(raw, std::move(ch));
    };
    return tern::server::run(argc, argv, "local", std::move(hooks));
}
