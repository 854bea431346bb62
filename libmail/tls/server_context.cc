#include "libmail/tls/server_context.h"

#include <event2/bufferevent_ssl.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include <array>

#include "libmail/core/text.h"

namespace tern::tls {

namespace {

struct Version {
    std::string_view name;
    int value;
};
// Oldest first; SSLv2 is gone from OpenSSL 3 but still a valid word to negate.
constexpr std::array<Version, 6> kVersions{{{"SSLv2", 0x0200},
                                            {"SSLv3", SSL3_VERSION},
                                            {"TLSv1", TLS1_VERSION},
                                            {"TLSv1.1", TLS1_1_VERSION},
                                            {"TLSv1.2", TLS1_2_VERSION},
                                            {"TLSv1.3", TLS1_3_VERSION}}};

int version_index(std::string_view name) {
    for (std::size_t i = 0; i < kVersions.size(); ++i)
        if (iequals(kVersions[i].name, name)) return static_cast<int>(i);
    return -1;
}

}  // namespace

Result<ProtocolRange> parse_protocols(std::string_view text) {
    // Every version starts allowed; each word narrows the set, which must end contiguous.
    std::array<bool, kVersions.size()> allowed{};
    allowed.fill(true);
    bool any_positive = false;
    std::array<bool, kVersions.size()> named{};
    for (std::string_view w : split_any(text, ", \t\r\n:")) {
        auto bad = [&] { return Error("bad TLS protocol \"" + std::string(w) + "\" in \"" + std::string(text) + "\""); };
        if (w.starts_with(">=") || w.starts_with("<=")) {
            const int i = version_index(w.substr(2));
            if (i < 0) return bad();
            for (std::size_t j = 0; j < kVersions.size(); ++j)
                if (w[0] == '>' ? static_cast<int>(j) < i : static_cast<int>(j) > i) allowed[j] = false;
        } else if (w.starts_with("!")) {
            const int i = version_index(w.substr(1));
            if (i < 0) return bad();
            allowed[static_cast<std::size_t>(i)] = false;
        } else {
            const int i = version_index(w);
            if (i < 0) return bad();
            named[static_cast<std::size_t>(i)] = true;
            any_positive = true;
        }
    }
    if (any_positive)
        for (std::size_t j = 0; j < kVersions.size(); ++j) allowed[j] = allowed[j] && named[j];
    // SSLv2 and SSLv3 are never spoken, whatever the setting says.
    allowed[0] = allowed[1] = false;
    int lo = -1, hi = -1;
    for (std::size_t j = 0; j < kVersions.size(); ++j) {
        if (!allowed[j]) continue;
        if (lo < 0) lo = static_cast<int>(j);
        else if (hi != static_cast<int>(j) - 1) return Error("TLS protocols \"" + std::string(text) + "\" leave a gap");
        hi = static_cast<int>(j);
    }
    if (lo < 0) return Error("TLS protocols \"" + std::string(text) + "\" allow no version");
    return ProtocolRange{kVersions[static_cast<std::size_t>(lo)].value, kVersions[static_cast<std::size_t>(hi)].value};
}

std::string take_errors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        std::array<char, 256> buf{};
        ERR_error_string_n(e, buf.data(), buf.size());
        if (!out.empty()) out += "; ";
        out += buf.data();
    }
    return out;
}

std::string take_errors(bufferevent* bev) {
    std::string out;
    while (const unsigned long e = bufferevent_get_openssl_error(bev)) {
        // libevent also queues SSL_get_error()'s bare result (library 0): not an OpenSSL error string.
        if (ERR_GET_LIB(e) == 0) continue;
        std::array<char, 256> buf{};
        ERR_error_string_n(e, buf.data(), buf.size());
        if (!out.empty()) out += "; ";
        out += buf.data();
    }
    return out;
}

ServerContext::~ServerContext() { SSL_CTX_free(ctx_); }

Result<std::unique_ptr<ServerContext>> ServerContext::load(const ServerSettings& s) {
    auto range = parse_protocols(s.protocols);
    if (!range) return range.error();
    SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
    if (!raw) return Error("cannot create a TLS context: " + take_errors());
    std::unique_ptr<ServerContext> ctx(new ServerContext(raw));
    // Versions below TLS 1.2 also need OpenSSL's security level lowered; the
    // range is what the admin asked for, the level only follows it.
    if (range->min_version < TLS1_2_VERSION) SSL_CTX_set_security_level(raw, 0);
    SSL_CTX_set_min_proto_version(raw, range->min_version);
    SSL_CTX_set_max_proto_version(raw, range->max_version);
    SSL_CTX_set_options(raw, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_dh_auto(raw, 1);
    if (!s.cipherlist.empty() && SSL_CTX_set_cipher_list(raw, s.cipherlist.c_str()) != 1)
        return Error("bad TLS cipher list \"" + s.cipherlist + "\": " + take_errors());
    if (SSL_CTX_use_certificate_chain_file(raw, s.cert_file.c_str()) != 1)
        return Error("cannot load the certificate " + s.cert_file + ": " + take_errors());
    if (SSL_CTX_use_PrivateKey_file(raw, s.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        if (ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH)
            return Error("cannot load the private key " + s.key_file + ": " + take_errors());
        take_errors();
        return Error("the private key " + s.key_file + " does not match the certificate " + s.cert_file);
    }
    if (SSL_CTX_check_private_key(raw) != 1)
        return Error("the private key " + s.key_file + " does not match the certificate " + s.cert_file);
    // Session resumption within this process (tickets need no cache).
    SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_OFF);
    return ctx;
}

SSL* ServerContext::new_ssl() const { return SSL_new(ctx_); }

std::string describe_session(const SSL* ssl) {
    const SSL_CIPHER* c = SSL_get_current_cipher(ssl);
    int alg_bits = 0;
    const int bits = c ? SSL_CIPHER_get_bits(c, &alg_bits) : 0;
    return std::string(SSL_get_version(ssl)) + " with cipher " + (c ? SSL_CIPHER_get_name(c) : "unknown") + " (" +
           std::to_string(bits) + "/" + std::to_string(alg_bits) + " bits)";
}

}  // namespace tern::tls
