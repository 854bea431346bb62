// TLS in imapd: STARTTLS on port 143 (RFC 3501 6.2.1, RFC 2595 3.1) and TLS
// from the first byte on port 993 (RFC 8314). The plain bufferevent is
// replaced by an OpenSSL one on the same socket once "OK Begin TLS
// negotiation now" has been flushed; whatever the client pipelined after
// STARTTLS is thrown away (libmail/tls/server_tls.h), so no command can be
// injected into the TLS session. The capabilities are not sent again after
// the handshake: the client asks (RFC 3501 6.2.1).
#include <event2/bufferevent_ssl.h>

#include "imapd/session.h"
#include "libmail/core/log.h"
#include "libmail/tls/server_tls.h"

namespace tern::imapd {

void Session::cmd_starttls(const std::string& tag, Parser& p) {
    if (!p.at_end()) return bad(tag, "STARTTLS takes no arguments");
    if (tls_active_) return bad(tag, "TLS is already active.");
    if (!settings_.tls) return bad(tag, "TLS support isn't enabled.");
    tagged(tag, "OK Begin TLS negotiation now.");
    // on_write calls start_tls() when the reply has left; until then nothing is read.
    tls_switch_pending_ = true;
    suspend();
    bufferevent_setwatermark(bev_.get(), EV_WRITE, 0, 0);
}

void Session::start_tls() {
    tls_switch_pending_ = false;
    if (!settings_.tls) {
        log::warning("cannot start TLS for [%s]: no certificate configured", peer_.c_str());
        peer_gone_ = true;
        return finish("TLS unavailable");
    }
    std::size_t discarded = 0;
    std::string why;
    bufferevent* bev = tls::start_server_tls(bev_.release(), *settings_.tls, discarded, why);
    bev_.reset(bev);
    if (discarded > 0) log::info("discarding %zu bytes sent after STARTTLS by [%s]", discarded, peer_.c_str());
    if (!bev) {
        log::warning("cannot start TLS for [%s]: %s", peer_.c_str(), why.c_str());
        peer_gone_ = true;
        return finish("TLS unavailable");
    }
    tls_handshaking_ = true;
    tls_active_ = true;  // nothing is read or written in clear from here on
    adopt_bufferevent();
    bufferevent_disable(bev, EV_READ);  // until on_tls_connected
}

void Session::on_tls_connected() {
    tls_handshaking_ = false;
    log::info("TLS connection established from [%s]: %s", peer_.c_str(),
              tls::describe_session(bufferevent_openssl_get_ssl(bev_.get())).c_str());
    resume();
}

}  // namespace tern::imapd
