// ServerContext: the OpenSSL SSL_CTX of a server (smtpd; imapd and pop3d
// later), built once at startup from the certificate, key, protocol range and
// cipher grade. TLS 1.2 and 1.3 only unless the admin widens the range. The
// key file is read before the privilege drop; `tern reload` restarts the
// daemons, which is how a renewed certificate is taken up.
#pragma once

#include <event2/bufferevent.h>

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

#include "libmail/core/result.h"

namespace tern::tls {

struct ServerSettings {
    std::string cert_file;
    std::string key_file;
    std::string protocols = ">=TLSv1.2";   // Postfix syntax
    std::string cipherlist;                // OpenSSL list for TLS 1.2
};

// The inclusive protocol range of a Postfix protocol setting:
// ">=TLSv1.2", "<=TLSv1.2", "TLSv1.2 TLSv1.3", "!SSLv3, !TLSv1, !TLSv1.1".
struct ProtocolRange {
    int min_version = TLS1_2_VERSION;
    int max_version = TLS1_3_VERSION;
};
[[nodiscard]] Result<ProtocolRange> parse_protocols(std::string_view text);

class ServerContext {
public:
    ~ServerContext();
    ServerContext(const ServerContext&) = delete;
    ServerContext& operator=(const ServerContext&) = delete;

    // Errors name the file and OpenSSL's reason (unreadable, not PEM, key does not match).
    [[nodiscard]] static Result<std::unique_ptr<ServerContext>> load(const ServerSettings& s);
    // A new SSL object for one connection (owned by the caller, or by the bufferevent).
    SSL* new_ssl() const;

private:
    explicit ServerContext(SSL_CTX* ctx) : ctx_(ctx) {}
    SSL_CTX* ctx_;
};

// "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)" for the log and Received.
std::string describe_session(const SSL* ssl);
// The queued OpenSSL errors as one line (and the queue emptied); "" when none.
std::string take_errors();
// The same for the errors libevent kept for a TLS bufferevent (a failed
// handshake); "" when there are none.
std::string take_errors(bufferevent* bev);

}  // namespace tern::tls
