// The pop3d process: its settings from main.cf, the services sessions use
// (authd, virtual_mailbox_maps), and the sessions it owns. A finished session
// is retired and freed on the next loop turn, never inside its own callback.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "libmail/event/owned_set.h"
#include "libmail/maps/map.h"
#include "libmail/server/server.h"
#include "pop3d/session.h"

namespace tern::pop3d {

class Server {
public:
    // Before the privilege drop (the key may be readable by root only): the
    // TLS context from pop3d_tls_*; a configuration error is fatal.
    void load_tls(server::Context& ctx);
    // Reads the parameters and opens the maps; a configuration error is fatal.
    void setup(server::Context& ctx);
    void accept(UniqueFd fd, const server::Peer& peer);
    bool idle() const { return sessions_.empty(); }

private:
    event_base* base_ = nullptr;
    Settings settings_;
    std::unique_ptr<tls::ServerContext> tls_;
    Services services_;
    OwnedSet<Session> sessions_;
};

}  // namespace tern::pop3d
