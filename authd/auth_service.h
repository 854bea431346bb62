// AuthService: authd's connections — one AttrChannel per connected client
// process (smtpd, imapd, pop3d, local), each request answered in order by the
// Authenticator — and the sweep timer that ends bans (and logs the unban
// lines) every kSweepInterval. A closed channel is retired and freed on the
// next loop turn.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "authd/authenticator.h"
#include "libmail/event/event_ptrs.h"
#include "libmail/ipc/attr_channel.h"
#include "libmail/server/server.h"

namespace tern::authd {

// Where authd keeps its state (the ban list): data_directory/authd, a folder
// owned by authd_user (data_directory itself belongs to root).
std::string state_directory(const config::Config& cfg);
inline std::string ban_state_path(const config::Config& cfg) { return state_directory(cfg) + "/bans"; }

class AuthService {
public:
    static constexpr std::chrono::seconds kSweepInterval{5};

    // Before the privilege drop: creates state_directory() (mode 0700) and,
    // when running as root, gives it to authd_user. Errors are fatal (logged):
    // bans that cannot be kept would silently be forgotten at each restart.
    static void prepare_state_directory(const config::Config& cfg);

    // Reads auth_users_file, the failure and rate parameters and the saved
    // bans, and starts the sweep timer; call after the privilege drop.
    void setup(server::Context& ctx);
    // Takes a connection from a client process.
    void accept(UniqueFd fd);

private:
    void retire(ipc::AttrChannel* ch);
    static void on_reap(evutil_socket_t, short, void* ctx) noexcept;
    static void on_sweep(evutil_socket_t, short, void* ctx) noexcept;

    event_base* base_ = nullptr;
    std::optional<Authenticator> auth_;
    std::unordered_map<ipc::AttrChannel*, std::unique_ptr<ipc::AttrChannel>> clients_;
    std::vector<std::unique_ptr<ipc::AttrChannel>> graveyard_;
    EventPtr reaper_;
    EventPtr sweeper_;
};

}  // namespace tern::authd
