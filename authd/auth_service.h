// AuthService: authd's connections — one AttrChannel per connected client
// process (smtpd, imapd, pop3d), each request answered in order by the
// Authenticator. A closed channel is retired and freed on the next loop turn.
#pragma once

#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "authd/authenticator.h"
#include "libmail/event/event_ptrs.h"
#include "libmail/ipc/attr_channel.h"
#include "libmail/server/server.h"

namespace tern::authd {

class AuthService {
public:
    // Reads auth_users_file and the failure parameters; call after the privilege drop.
    void setup(server::Context& ctx);
    // Takes a connection from a client process.
    void accept(UniqueFd fd);

private:
    void retire(ipc::AttrChannel* ch);
    static void on_reap(evutil_socket_t, short, void* ctx) noexcept;

    event_base* base_ = nullptr;
    std::optional<Authenticator> auth_;
    std::unordered_map<ipc::AttrChannel*, std::unique_ptr<ipc::AttrChannel>> clients_;
    std::vector<std::unique_ptr<ipc::AttrChannel>> graveyard_;
    EventPtr reaper_;
};

}  // namespace tern::authd
