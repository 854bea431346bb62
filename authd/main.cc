// authd: answers the other daemons' questions over private/auth: password and
// app password checks (smtpd, imapd, pop3d), whether an account is active
// (local, smtpd), whether a client address is banned (smtpd at connect), and
// the per-user submission count (smtpd_user_message_rate_limit). Requests and
// replies: authd/authenticator.h.
// Runs as authd_user, the only user that can read the users table
// (auth_users_file), which it re-reads when the file changes. It keeps its ban
// list in data_directory/authd/bans, so bans survive a restart.
// SECURITY: requests come from our own processes but carry what a network
// client typed (user name, password): they are bounded by the IPC size limit,
// passwords are never logged, and user names are logged only through
// printable(). A client address is banned after auth_failure_limit failures
// within auth_failure_window, for auth_ban_time doubling at each new ban up
// to auth_ban_max_time (authd/failure_tracker.h).
#include "authd/auth_service.h"
#include "libmail/config/params_global.h"
#include "libmail/server/server.h"

int main(int argc, char** argv) {
    tern::authd::AuthService service;
    tern::server::Hooks hooks;
    hooks.run_as = [](const tern::config::Config& cfg) { return cfg.get(tern::config::kAuthdUser); };
    // data_directory belongs to root: the state folder is made and given away before the drop.
    hooks.before_drop = [](tern::server::Context& ctx) { tern::authd::AuthService::prepare_state_directory(*ctx.cfg); };
    hooks.after_drop = [&](tern::server::Context& ctx) { service.setup(ctx); };
    hooks.on_connection = [&](tern::server::Context&, tern::UniqueFd fd, const tern::server::Peer&) {
        service.accept(std::move(fd));
    };
    return tern::server::run(argc, argv, "authd", std::move(hooks));
}
