// AuthService: authd's state — the users table (re-read when it changes),
// the failure tracker, and one AttrChannel per connected client process.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "authd/failure_tracker.h"
#include "libmail/auth/users_table.h"
#include "libmail/event/event_ptrs.h"
#include "libmail/ipc/attr_channel.h"
#include "libmail/server/server.h"

namespace tern::authd {

class AuthService {
public:
    void setup(server::Context& ctx);
    void accept(UniqueFd fd);

private:
    ipc::AttrList answer(const ipc::AttrList& req);
    const auth::Account* find(const std::string& address);
    void reload_if_changed();
    void retire(ipc::AttrChannel* ch);
    static void on_reap(evutil_socket_t, short, void* ctx) noexcept;

    event_base* base_ = nullptr;
    std::string users_path_;
    std::vector<auth::Account> users_;
    timespec users_mtime_{};
    ino_t users_ino_ = 0;
    std::unique_ptr<FailureTracker> failures_;
    std::unordered_map<ipc::AttrChannel*, std::unique_ptr<ipc::AttrChannel>> clients_;
    std::vector<std::unique_ptr<ipc::AttrChannel>> graveyard_;
    EventPtr reaper_;
};

}  // namespace tern::authd
