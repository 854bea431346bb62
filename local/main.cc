// local: Maildir delivery for qmgr's requests on private/local.
// Runs as the mailbox owner (virtual_uid_maps), with mail_owner's group so it
// can read queue files. Requests on one connection are handled in order; each
// first asks authd whether the recipients' accounts are active (a disabled
// account gets no mail: local/account_gate.h), then delivers on the delivery
// pool, so that deliveries on several connections (qmgr's concurrency) write
// and fsync at the same time and share the file system's journal commits.
// SECURITY: requests come only from qmgr (private/ socket, mode 0660); the
// message itself is copied, never interpreted. Mailbox paths come from
// virtual_mailbox_maps and may not be absolute or contain "..".
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "libmail/auth/account_cache.h"
#include "libmail/config/params_global.h"
#include "libmail/config/params_mailbox.h"
#include "libmail/core/log.h"
#include "libmail/event/blocking_pool.h"
#include "libmail/ipc/attr_channel.h"
#include "libmail/ipc/channel_pool.h"
#include "libmail/server/server.h"
#include "libmail/store/mail_owner.h"
#include "local/account_gate.h"
#include "local/delivery.h"

namespace {

using tern::ipc::AttrList;

// One connection from qmgr: its requests, answered in the order they came.
struct Client {
    std::unique_ptr<tern::ipc::AttrChannel> chan;
    std::deque<AttrList> waiting;                  // requests after the one being handled
    std::unique_ptr<tern::local::AccountGate> gate;  // the request being handled, while authd answers
    bool delivering = false;                       // the request being handled is on the pool
    std::shared_ptr<int> alive = std::make_shared<int>(0);  // reset when the connection goes
};

// Deliveries under way at once in one local process: enough that some keep
// writing while others wait for their shared fsync of new/ (delivery.cc).
constexpr std::size_t kDeliveryThreads = 16;
// Idle connections to authd kept (one per qmgr connection waiting on it at once, up to this).
constexpr std::size_t kIdleAuthdConnections = 8;

struct LocalService {
    tern::server::Context* ctx = nullptr;
    std::optional<tern::local::Deliverer> deliverer;
    std::optional<tern::BlockingPool> pool;
    std::optional<tern::ipc::ChannelPool> authd;  // connections to authd kept between account checks
    std::optional<tern::auth::AccountCache> accounts;  // authd's verdicts while the users table is unchanged
    std::unordered_map<tern::ipc::AttrChannel*, std::unique_ptr<Client>> clients;
    std::vector<std::unique_ptr<Client>> graveyard;  // freed on the next accept

    // The delivery itself (Maildir writes and fsyncs) runs on the pool; the
    // reply and the next request wait for it on the loop.
    void deliver(Client& c, std::shared_ptr<AttrList> req, tern::local::AccountStates states) {
        c.delivering = true;
        auto reply = std::make_shared<AttrList>();
        Client* cp = &c;
        std::weak_ptr<int> alive = c.alive;
        pool->submit([this, req, states = std::move(states), reply] { *reply = deliverer->handle(*req, states); },
                     [this, cp, alive, reply] {
                         if (alive.expired()) return;  // qmgr is gone: it retries what it did not hear about
                         cp->delivering = false;
                         cp->chan->send(*reply);
                         start_next(*cp);
                     });
    }

    void start_next(Client& c) {
        if (c.gate || c.delivering || c.waiting.empty()) return;
        auto req = std::make_shared<AttrList>(std::move(c.waiting.front()));
        c.waiting.pop_front();
        std::vector<std::string> rcpts;
        for (auto r : req->get_all("rcpt")) rcpts.emplace_back(r);
        auto start = [this](std::string user, tern::auth::AccountCheck::Done done) {
            return tern::auth::AccountCheck::start(*authd, &*accounts, std::move(user), std::move(done));
        };
        Client* cp = &c;
        auto on_states = [this, cp, req](tern::local::AccountStates states) {
            // Called from inside the gate: it is freed on the next request or with the client, not here.
            graveyard_gate = std::move(cp->gate);
            deliver(*cp, req, std::move(states));
        };
        if (rcpts.empty()) return deliver(c, req, {});
        c.gate = std::make_unique<tern::local::AccountGate>(start, rcpts, on_states);
    }
    std::unique_ptr<tern::local::AccountGate> graveyard_gate;
};

}  // namespace

int main(int argc, char** argv) {
    LocalService svc;
    tern::server::Hooks hooks;
    hooks.run_as = [](const tern::config::Config& cfg) { return tern::store::mailbox_owner(cfg); };
    hooks.after_drop = [&](tern::server::Context& ctx) {
        auto maps = tern::maps::MapList::open(ctx.cfg->get_list(tern::config::kVirtualMailboxMaps));
        if (!maps) tern::log::fatal("virtual_mailbox_maps: %s", maps.error().message.c_str());
        svc.deliverer.emplace(std::move(*maps), ctx.cfg->get(tern::config::kVirtualMailboxBase),
                              ctx.cfg->get_bool(tern::config::kQuotaFullTempfail));
        svc.pool.emplace(ctx.base, kDeliveryThreads);
        svc.authd.emplace(ctx.base, tern::ipc::service_path(ctx.queue_dir, true, "auth"), kIdleAuthdConnections);
        svc.accounts.emplace(ctx.cfg->get(tern::config::kAuthUsersFile));
        svc.ctx = &ctx;
    };
    hooks.on_connection = [&](tern::server::Context& ctx, tern::UniqueFd fd, const tern::server::Peer&) {
        svc.graveyard.clear();
        auto c = std::make_unique<Client>();
        c->chan = std::make_unique<tern::ipc::AttrChannel>(ctx.base, std::move(fd));
        auto* raw = c->chan.get();
        Client* cp = c.get();
        raw->on_message([&svc, cp](AttrList&& req) {
            cp->waiting.push_back(std::move(req));
            svc.start_next(*cp);
        });
        raw->on_close([&svc, raw](const std::string&) {
            auto node = svc.clients.extract(raw);
            if (node.empty()) return;
            node.mapped()->gate.reset();  // no answer can be sent any more: stop asking authd
            node.mapped()->waiting.clear();
            node.mapped()->alive.reset();  // a delivery still on the pool finishes, unanswered
            svc.graveyard.push_back(std::move(node.mapped()));
        });
        svc.clients.emplace(raw, std::move(c));
    };
    // On reload: leave once no delivery is under way and every answer is written
    // (qmgr keeps its connections open between requests).
    hooks.is_idle = [&](tern::server::Context&) {
        for (const auto& [chan, c] : svc.clients)
            if (c->gate || c->delivering || !c->waiting.empty() || !chan->flushed()) return false;
        return true;
    };
    hooks.before_exit = [&](tern::server::Context&) {
        svc.pool.reset();  // deliveries under way finish first
        svc.clients.clear();
        svc.graveyard.clear();
        svc.graveyard_gate.reset();
        svc.authd.reset();
    };
    return tern::server::run(argc, argv, "local", std::move(hooks));
}
