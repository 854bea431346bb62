// TLS in smtpd: STARTTLS (RFC 3207) on ports 25 and 587, and TLS from the
// first byte on port 465 (RFC 8314). The plain bufferevent is replaced by an
// OpenSSL one on the same socket once "220 Ready to start TLS" has been
// flushed; whatever the client sent after STARTTLS and before the handshake
// is thrown away, so no command can be injected into the TLS session.
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>

#include "libmail/core/log.h"
#include "libmail/core/text.h"
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
    SSL* ssl = ctx ? ctx->new_ssl() : nullptr;
    if (!ssl) {
        log::warning("cannot start TLS for %s: %s", client().c_str(),
                     ctx ? tls::take_errors().c_str() : "no certificate configured");
        closing_ = true;
        server_.retire(this);
        return;
    }
    // Pipelined plaintext after STARTTLS is discarded (RFC 3207 6).
    evbuffer* in = bufferevent_get_input(bev_);
    if (const std::size_t n = evbuffer_get_length(in); n > 0) {
        log::info("discarding %zu bytes sent after STARTTLS by %s", n, client().c_str());
        evbuffer_drain(in, n);
    }
    const evutil_socket_t fd = bufferevent_getfd(bev_);
    event_base* base = bufferevent_get_base(bev_);
    bufferevent_setfd(bev_, -1);  // the plain bufferevent goes; the socket stays
    bufferevent_free(bev_);
    bev_ = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                          BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (!bev_) {
        log::warning("cannot start TLS for %s", client().c_str());
        SSL_free(ssl);
        evutil_closesocket(fd);
        closing_ = true;
        server_.retire(this);
        return;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(bev_, 1);
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
