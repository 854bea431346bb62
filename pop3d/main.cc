// pop3d: the POP3 server (RFC 1939 with CAPA, RFC 2449). One process serves
// many connections on one libevent loop inside the daemon skeleton of
// libmail/server; it runs as the mail store owner (store::mailbox_owner),
// asks authd for passwords and reads the INBOX through libmail/store. TLS:
// STLS on the pop3 service, TLS from the first byte where master.cf says
// -o pop3d_tls_wrappermode=yes (pop3s); the key is read as root.
// SECURITY: everything a client sends is untrusted: lines are limited to 512
// octets where they are read, and errors are counted. Passwords go only to
// authd, and only inside TLS unless pop3d_tls_auth_only = no. The Maildir
// path comes from virtual_mailbox_maps (trusted config) and is refused when
// it would lead outside virtual_mailbox_base.
#include "libmail/server/server.h"
#include "libmail/store/mail_owner.h"
#include "pop3d/server.h"

int main(int argc, char** argv) {
    static tern::pop3d::Server srv;  // lives as long as the loop, which ends before exit
    tern::server::Hooks hooks;
    hooks.run_as = [](const tern::config::Config& cfg) { return tern::store::mailbox_owner(cfg); };
    hooks.before_drop = [](tern::server::Context& ctx) { srv.load_tls(ctx); };
    hooks.after_drop = [](tern::server::Context& ctx) { srv.setup(ctx); };
    hooks.on_connection = [](tern::server::Context&, tern::UniqueFd fd, const tern::server::Peer& peer) {
        srv.accept(std::move(fd), peer);
    };
    hooks.is_idle = [](tern::server::Context&) { return srv.idle(); };
    return tern::server::run(argc, argv, "pop3d", std::move(hooks));
}
