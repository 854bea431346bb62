#include "libmail/tls/client_context.h"

#include <arpa/inet.h>
#include <openssl/x509v3.h>

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
    // The handshake never fails on the certificate: the caller decides (RFC 7435 for may/encrypt).
    if (!s.ca_file.empty() || !s.ca_path.empty()) {
        const char* file = s.ca_file.empty() ? nullptr : s.ca_file.c_str();
        const char* path = s.ca_path.empty() ? nullptr : s.ca_path.c_str();
        if (SSL_CTX_load_verify_locations(raw, file, path) != 1)
            return Error("cannot load trusted CAs from " + (file ? s.ca_file : s.ca_path) + ": " + take_errors());
    } else if (SSL_CTX_set_default_verify_paths(raw) != 1) {
        take_errors();
    }
    SSL_CTX_set_verify(raw, SSL_VERIFY_NONE, nullptr);
    return ctx;
}

SSL* ClientContext::new_ssl(const std::string& server_name, const std::vector<std::string>& match_names) const {
    SSL* ssl = SSL_new(ctx_);
    if (!ssl) return nullptr;
    unsigned char buf[16];
    const bool literal = ::inet_pton(AF_INET, server_name.c_str(), buf) == 1 ||
                         ::inet_pton(AF_INET6, server_name.c_str(), buf) == 1;
    if (!literal && !server_name.empty()) SSL_set_tlsext_host_name(ssl, server_name.c_str());
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (!match_names.empty()) {
        SSL_set1_host(ssl, match_names.front().c_str());
        for (std::size_t i = 1; i < match_names.size(); ++i) SSL_add1_host(ssl, match_names[i].c_str());
    } else if (!literal && !server_name.empty()) {
        SSL_set1_host(ssl, server_name.c_str());
    }
    return ssl;
}

bool verified(const SSL* ssl) { return SSL_get_verify_result(ssl) == X509_V_OK && SSL_get0_peer_certificate(ssl); }

const char* trust_word(const SSL* ssl) { return verified(ssl) ? "Trusted" : "Untrusted"; }

}  // namespace tern::tls
