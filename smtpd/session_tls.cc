// TLS in smtpd: STARTTLS (RFC 3207) on ports 25 and 587, and TLS from the
// first byte on port 465 (RFC 8314). The plain bufferevent is replaced by an
// OpenSSL one on the same socket once "220 Ready to start TLS" has been
// flushed; whatever the client sent after STARTTLS and before the handshake
// is thrown away, so no command can be injected into the TLS session.
#include <event2/bufferevent_ssl.h>

#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/tls/server_tls.h"
#include "smtpd/session.h"

namespace tern::smtpd {

bool Session::tls_offered() const {
    return server_.tls() && settings_.tls_level != Settings::TlsLevel::None && !tls_active_;
}

Step Session::cmd_starttls(std::string_view args) {
    if (!trim(args).empty()) {
        reply(smtp::Reply{501, "5.5.4", "Syntax: STARTTLS"});
        return Step::Continue;
    }
    if (tls_active_) {
        reply(smtp::Reply{554, "5.5.1", "Error: TLS already active"});
        return Step::Continue;
    }
    if (!tls_offered()) {
        reply(smtp::Reply{502, "5.5.1", "Error: command not implemented"});
        return Step::Continue;
    }
    reply(smtp::Reply{220, "2.0.0", "Ready to start TLS"});
    // on_write calls start_tls() when the reply has left; until then nothing is read.
    tls_switch_pending_ = true;
    bufferevent_disable(bev_, EV_READ);
    return Step::Continue;
}

void Session::start_tls() {
    tls_switch_pending_ = false;
    const tls::ServerContext* ctx = server_.tls();
    std::size_t discarded = 0;
    std::string why = "no certificate configured";
    // Pipelined plaintext after STARTTLS is discarded (RFC 3207 6).
    bufferevent* bev = ctx ? tls::start_server_tls(bev_, *ctx, discarded, why) : nullptr;
    if (ctx) bev_ = bev;  // the plain one is gone either way
    if (discarded > 0) log::info("discarding %zu bytes sent after STARTTLS by %s", discarded, client().c_str());
    if (!bev_ || !bev) {
        log::warning("cannot start TLS for %s: %s", client().c_str(), why.c_str());
        closing_ = true;
        server_.retire(this);
        return;
    }
    tls_handshaking_ = true;
    set_callbacks(settings_.starttls_timeout);
}

void Session::on_tls_connected() {
    tls_handshaking_ = false;
    tls_active_ = true;
    SSL* ssl = bufferevent_openssl_get_ssl(bev_);
    tls_info_ = tls::describe_session(ssl);
    if (settings_.tls_loglevel >= 1)
        log::info("Anonymous TLS connection established from %s: %s", client().c_str(), tls_info_.c_str());
    // RFC 3207 4.2: forget everything learned before TLS; the client starts with EHLO again.
    reset_transaction();
    helo_.clear();
    esmtp_ = false;
    state_ = State::Init;
    const timeval tv{static_cast<time_t>(settings_.smtpd_timeout.count()), 0};
    bufferevent_set_timeouts(bev_, &tv, &tv);
    handle_input();  // a client may have sent its EHLO with the last handshake flight
}

void Session::log_tls_failure() {
    std::string why = tls::take_errors(bev_);
    if (why.empty()) why = "lost connection";
    log::info("SSL_accept error from %s: %s", client().c_str(), why.c_str());
}

}  // namespace tern::smtpd
