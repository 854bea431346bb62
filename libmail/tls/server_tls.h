// The server side of TLS on a libevent connection, shared by smtpd, imapd and
// pop3d: loading a daemon's context from its Postfix-style parameters
// (PREFIX_tls_cert_file, _key_file, _protocols, _ciphers) and turning a plain
// socket bufferevent into an accepting OpenSSL one, for STARTTLS/STLS and for
// TLS from the first byte (ports 465, 993, 995).
// Invariant: bytes the client sent before the handshake never reach the TLS
// session (the STARTTLS command-injection class, CVE-2011-0411).
#pragma once

#include <event2/bufferevent.h>

#include <cstddef>
#include <memory>
#include <string>

#include "libmail/config/config.h"
#include "libmail/core/result.h"
#include "libmail/tls/server_context.h"

namespace tern::tls {

// What a daemon's parameters say; the cipher grade is "high" or "medium".
struct ServerParams {
    std::string prefix;       // "imapd": names the parameters in error messages
    std::string cert_file;
    std::string key_file;
    std::string protocols;
    std::string cipher_grade;
};

// The context for p, or nullptr when p.cert_file is empty. Errors name the
// parameter (an unknown grade) or the file (unreadable, key does not match).
// Call before the privilege drop: the key may be readable by root only.
[[nodiscard]] Result<std::unique_ptr<ServerContext>> load_server_context(const config::Config& cfg,
                                                                         const ServerParams& p);

// Replaces plain (a socket bufferevent; freed here, its socket kept) by a
// bufferevent that accepts a TLS handshake on the same socket, with options
// BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS. Input already buffered in
// plain is thrown away and its size stored in discarded. On failure returns
// nullptr with the socket closed and why set; the caller must not touch plain.
// The new bufferevent has no callbacks: set them, then wait for
// BEV_EVENT_CONNECTED (handshake done) or BEV_EVENT_ERROR/EOF (failed).
[[nodiscard]] bufferevent* start_server_tls(bufferevent* plain, const ServerContext& ctx, std::size_t& discarded,
                                            std::string& why);

}  // namespace tern::tls
