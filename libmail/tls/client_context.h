// ClientContext: the OpenSSL SSL_CTX of the outbound SMTP client (smtp),
// built once at startup. Postfix's "may" and "encrypt" levels encrypt without
// authenticating the server, so the handshake never fails on the certificate;
// the verification result is still computed against the system CA store so
// that the log can say Trusted or Untrusted, as Postfix does.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "libmail/core/result.h"

namespace tern::tls {

struct ClientSettings {
    std::string protocols = ">=TLSv1.2";   // Postfix syntax (parse_protocols)
    std::string cipherlist;                // OpenSSL list for TLS 1.2; "" = OpenSSL's default
};

class ClientContext {
public:
    ~ClientContext();
    ClientContext(const ClientContext&) = delete;
    ClientContext& operator=(const ClientContext&) = delete;

    [[nodiscard]] static Result<std::unique_ptr<ClientContext>> create(const ClientSettings& s);
    // A new SSL object in client mode with SNI set to server_name (skipped for
    // an IP address literal); owned by the caller, or by the bufferevent. nullptr on failure.
    SSL* new_ssl(const std::string& server_name) const;

private:
    explicit ClientContext(SSL_CTX* ctx) : ctx_(ctx) {}
    SSL_CTX* ctx_;
};

// "Trusted" when the peer's chain verified against the system CA store, else "Untrusted".
const char* trust_word(const SSL* ssl);

}  // namespace tern::tls
