#include "libmail/tls/client_context.h"

#include <arpa/inet.h>

#include "libmail/tls/server_context.h"

namespace tern::tls {

ClientContext::~ClientContext() { SSL_CTX_free(ctx_); }

Result<std::unique_ptr<ClientContext>> ClientContext::create(const ClientSettings& s) {
    auto range = parse_protocols(s.protocols);
    if (!range) return range.error();
    SSL_CTX* raw = SSL_CTX_new(TLS_client_method());
    if (!raw) return Error("cannot create a TLS client context: " + take_errors());
    std::unique_ptr<ClientContext> ctx(new ClientContext(raw));
    if (range->min_version < TLS1_2_VERSION) SSL_CTX_set_security_level(raw, 0);
    SSL_CTX_set_min_proto_version(raw, range->min_version);
    SSL_CTX_set_max_proto_version(raw, range->max_version);
    SSL_CTX_set_options(raw, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (!s.cipherlist.empty() && SSL_CTX_set_cipher_list(raw, s.cipherlist.c_str()) != 1)
        return Error("bad TLS cipher list \"" + s.cipherlist + "\": " + take_errors());
    // Opportunistic TLS (RFC 7435): verify for the log only, never fail the handshake on it.
    if (SSL_CTX_set_default_verify_paths(raw) != 1) take_errors();
    SSL_CTX_set_verify(raw, SSL_VERIFY_NONE, nullptr);
    return ctx;
}

SSL* ClientContext::new_ssl(const std::string& server_name) const {
    SSL* ssl = SSL_new(ctx_);
    if (!ssl) return nullptr;
    unsigned char buf[16];
    const bool literal = ::inet_pton(AF_INET, server_name.c_str(), buf) == 1 ||
                         ::inet_pton(AF_INET6, server_name.c_str(), buf) == 1;
    if (!literal && !server_name.empty()) {
        SSL_set_tlsext_host_name(ssl, server_name.c_str());
        SSL_set1_host(ssl, server_name.c_str());  // checked by trust_word, not enforced
    }
    return ssl;
}

const char* trust_word(const SSL* ssl) {
    return SSL_get_verify_result(ssl) == X509_V_OK && SSL_get0_peer_certificate(ssl) ? "Trusted" : "Untrusted";
}

}  // namespace tern::tls
