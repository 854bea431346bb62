// authd: answers password checks for smtpd, imapd and pop3d over private/auth
// (request and reply attributes: authd/authenticator.h).
// Runs as authd_user, the only user that can read the users table
// (auth_users_file), which it re-reads when the file changes.
// SECURITY: requests come from our own processes but carry what a network
// client typed (user name, password): they are bounded by the IPC size limit,
// passwords are never logged, and user names are logged only through
// printable(). A client address is banned after auth_failure_limit failures
// within auth_failure_window, for auth_ban_time (authd/failure_tracker.h; in
// memory only for now).
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
