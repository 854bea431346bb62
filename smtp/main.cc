// smtp: the outbound SMTP client, counterpart of local. qmgr sends delivery
// requests on private/smtp (queue file, sender, recipients, next hop); smtp
// finds the servers (MX, then A/AAAA, or relayhost), speaks ESMTP to them
// (STARTTLS, AUTH to a relayhost, PIPELINING, SIZE, 8BITMIME, SMTPUTF8, DSN)
// and answers per recipient. Runs as mail_owner.
// SECURITY: requests come only from qmgr (private/ socket). Everything a
// remote server sends is untrusted: reply lines and counts are bounded, every
// wait has a time limit, and server text reaches logs only through printable().
#include <memory>

#include "libmail/server/server.h"
#include "smtp/dispatcher.h"

namespace {
// Owned for the life of the process: server::run frees the event loop before it returns,
// so the bufferevents and timers inside must never be freed after it (the kernel reclaims them).
tern::smtp_client::Dispatcher* dispatcher = nullptr;
}  // namespace

int main(int argc, char** argv) {
    tern::server::Hooks hooks;
    tern::smtp_client::Tables tables;
    hooks.before_drop = [&](tern::server::Context& ctx) { tables = tern::smtp_client::open_tables(*ctx.cfg); };
    hooks.after_drop = [&](tern::server::Context& ctx) {
        dispatcher = new tern::smtp_client::Dispatcher(tern::smtp_client::make_service(ctx, std::move(tables)));
    };
    hooks.on_connection = [&](tern::server::Context& ctx, tern::UniqueFd fd, const tern::server::Peer&) {
        dispatcher->accept(ctx.base, std::move(fd));
    };
    hooks.is_idle = [&](tern::server::Context&) { return !dispatcher || dispatcher->idle(); };
    return tern::server::run(argc, argv, "smtp", std::move(hooks));
}
