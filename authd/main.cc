// authd: answers password checks for smtpd, imapd and pop3d over private/auth.
// Runs as authd_user, the only user that can read the users table.
// SECURITY: requests come from our own processes but carry what a network
// client typed (user name, password): they are bounded by the IPC size limit,
// never logged (passwords) and never used as format strings. A client
// address is banned after auth_failure_limit failures (authd/failure_tracker.h).
#include <unordered_map>

#include "authd/auth_service.h"
#include "libmail/config/params_global.h"
#include "libmail/server/server.h"

int main(int argc, char** argv) {
    tern::authd::AuthService service;
    tern::server::Hooks hooks;
    hooks.run_as = [](const tern::config::Config& cfg) { return cfg.get(tern::config::kAuthdUser); };
    hooks.after_drop = [&](tern::server::Context& ctx) { service.setup(ctx); };
    hooks.on_connection = [&](tern::server::Context&, tern::UniqueFd fd, const tern::server::Peer&) {
        service.accept(std::move(fd));
    };
    return tern::server::run(argc, argv, "authd", std::move(hooks));
}
