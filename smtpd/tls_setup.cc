#include "smtpd/tls_setup.h"

#include "libmail/config/params_tls.h"
#include "libmail/core/log.h"
#include "libmail/tls/server_tls.h"

namespace tern::smtpd {

Result<std::unique_ptr<tls::ServerContext>> load_tls(const config::Config& cfg) {
    const std::string level = cfg.get(config::kSmtpdTlsSecurityLevel);
    if (level != "none" && level != "may" && level != "encrypt")
        return Error("smtpd_tls_security_level: \"" + level + "\" is not none, may or encrypt");
    const bool wrapper = cfg.get_bool(config::kSmtpdTlsWrappermode);
    const bool required = wrapper || level == "encrypt";
    const std::string cert = cfg.get(config::kSmtpdTlsCertFile);
    if (level == "none" && !wrapper) return std::unique_ptr<tls::ServerContext>();
    if (cert.empty()) {
        if (required)
            return Error(std::string(wrapper ? "smtpd_tls_wrappermode = yes" : "smtpd_tls_security_level = encrypt") +
                         " needs smtpd_tls_cert_file");
        log::info("no smtpd_tls_cert_file: STARTTLS is not offered");
        return std::unique_ptr<tls::ServerContext>();
    }
    auto ctx = tls::load_server_context(cfg, {"smtpd", cert, cfg.get(config::kSmtpdTlsKeyFile),
                                              cfg.get(config::kSmtpdTlsProtocols), cfg.get(config::kSmtpdTlsCiphers)});
    if (!ctx) return Error(ctx.error().message);
    return std::move(*ctx);
}

}  // namespace tern::smtpd
