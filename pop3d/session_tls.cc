// TLS in pop3d: STLS on port 110 (RFC 2595 4) and TLS from the first byte on
// port 995 (RFC 8314). The plain bufferevent is replaced by an OpenSSL one on
// the same socket once "+OK Begin TLS negotiation" has been flushed;
// whatever the client pipelined after STLS is thrown away
// (libmail/tls/server_tls.h), so no command can be injected into TLS.
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>

#include "libmail/core/log.h"
#include "libmail/tls/server_tls.h"
#include "pop3d/session.h"

namespace tern::pop3d {

void Session::cmd_stls(std::string_view args) {
    if (!args.empty()) return bad("STLS takes no arguments");
    if (tls_active_) return bad("Command not permitted when TLS active");
    if (!settings_.tls) return bad("TLS support isn't enabled");
    ok("Begin TLS negotiation");
    // on_write calls start_tls() when the reply has left; until then nothing is read.
    tls_switch_pending_ = true;
    suspend();
    bufferevent_setwatermark(bev_.get(), EV_WRITE, 0, 0);
}

void Session::start_tls() {
    tls_switch_pending_ = false;
    if (!settings_.tls) {
        log::warning("cannot start TLS for %s: no certificate configured", peer_.c_str());
        closing_ = true;
        return finish(nullptr);
    }
    std::size_t discarded = 0;
    std::string why;
    bufferevent* bev = tls::start_server_tls(bev_.release(), *settings_.tls, discarded, why);
    bev_.reset(bev);
    if (discarded > 0) log::info("discarding %zu bytes sent after STLS by %s", discarded, peer_.c_str());
    if (!bev) {
        log::warning("cannot start TLS for %s: %s", peer_.c_str(), why.c_str());
        closing_ = true;
        return finish(nullptr);
    }
    tls_handshaking_ = true;
    tls_active_ = true;  // nothing is read or written in clear from here on
    user_.clear();       // RFC 2595 4: forget what was said before TLS
    bufferevent_setcb(bev, on_read, on_write, on_event, this);
    const auto ms = settings_.idle_timeout.count();
    const timeval t{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
    bufferevent_set_timeouts(bev, &t, &t);
    bufferevent_setwatermark(bev, EV_WRITE, kStreamLowOctets, 0);
    bufferevent_setwatermark(bev, EV_READ, 0, kMaxInputOctets);
    bufferevent_enable(bev, EV_WRITE);
    suspended_ = true;
    bufferevent_disable(bev, EV_READ);  // until on_tls_connected
}

void Session::on_tls_connected() {
    tls_handshaking_ = false;
    log::info("TLS connection established from %s: %s", peer_.c_str(),
              tls::describe_session(bufferevent_openssl_get_ssl(bev_.get())).c_str());
    resume_later();
}

}  // namespace tern::pop3d
