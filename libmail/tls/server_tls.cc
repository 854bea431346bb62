#include "libmail/tls/server_tls.h"

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>

#include "libmail/config/params_tls.h"

namespace tern::tls {

Result<std::unique_ptr<ServerContext>> load_server_context(const config::Config& cfg, const ServerParams& p) {
    if (p.cert_file.empty()) return std::unique_ptr<ServerContext>();
    std::string list;
    if (p.cipher_grade == "high") list = cfg.get(config::kTlsHighCipherlist);
    else if (p.cipher_grade == "medium") list = cfg.get(config::kTlsMediumCipherlist);
    else return Error(p.prefix + "_tls_ciphers: \"" + p.cipher_grade + "\" is not high or medium");
    auto ctx = ServerContext::load({p.cert_file, p.key_file, p.protocols, list});
    if (!ctx) return Error(p.prefix + " TLS: " + ctx.error().message);
    return std::move(*ctx);
}

bufferevent* start_server_tls(bufferevent* plain, const ServerContext& ctx, std::size_t& discarded,
                              std::string& why) {
    const evutil_socket_t fd = bufferevent_getfd(plain);
    event_base* base = bufferevent_get_base(plain);
    evbuffer* in = bufferevent_get_input(plain);
    discarded = evbuffer_get_length(in);
    evbuffer_drain(in, discarded);
    bufferevent_setfd(plain, -1);  // the plain bufferevent goes; the socket stays
    bufferevent_free(plain);
    SSL* ssl = ctx.new_ssl();
    if (!ssl) {
        why = take_errors();
        if (why.empty()) why = "cannot create an SSL object";
        evutil_closesocket(fd);
        return nullptr;
    }
    bufferevent* bev = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                      BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (!bev) {
        why = "cannot create a TLS bufferevent";
        SSL_free(ssl);
        evutil_closesocket(fd);
        return nullptr;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

}  // namespace tern::tls
