// ClientContext: the OpenSSL SSL_CTX of the outbound SMTP client (smtp),
// built once at startup. The handshake never fails on the certificate: the
// verification result (against smtp_tls_CAfile/CApath, or the system CA
// store) is computed and left to the caller, who logs Trusted or Untrusted at
// Postfix's "may" and "encrypt" levels and refuses an unverified server at
// "verify" and "secure" with Postfix's own wording.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

#include "libmail/core/result.h"

namespace tern::tls {

struct ClientSettings {
    std::string protocols = ">=TLSv1.2";   // Postfix syntax (parse_protocols)
    std::string cipherlist;                // OpenSSL list for TLS 1.2; "" = OpenSSL's default
    std::string ca_file, ca_path;          // smtp_tls_CAfile, smtp_tls_CApath; both "": the system store
};

class ClientContext {
public:
    ~ClientContext();
    ClientContext(const ClientContext&) = delete;
    ClientContext& operator=(const ClientContext&) = delete;

    [[nodiscard]] static Result<std::unique_ptr<ClientContext>> create(const ClientSettings& s);
    // A new SSL object in client mode with SNI set to server_name (skipped for
    // an IP address literal); owned by the caller, or by the bufferevent. nullptr on failure.
    // The certificate must carry one of match_names (".domain": any subdomain) for
    // verified() to hold; none given: server_name, for the log's trust word.
    SSL* new_ssl(const std::string& server_name, const std::vector<std::string>& match_names = {}) const;

private:
    explicit ClientContext(SSL_CTX* ctx) : ctx_(ctx) {}
    SSL_CTX* ctx_;
};

// True when the peer's chain verified against the trusted CAs and its name matched.
bool verified(const SSL* ssl);

// "Trusted" when verified(), else "Untrusted".
const char* trust_word(const SSL* ssl);

}  // namespace tern::tls
