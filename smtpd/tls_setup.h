// smtpd's TLS context from main.cf (and the service's -o overrides):
// none without a certificate unless the service needs TLS, which is then a
// configuration error (port 465, or smtpd_tls_security_level = encrypt).
#pragma once

#include <memory>

#include "libmail/config/config.h"
#include "libmail/core/result.h"
#include "libmail/tls/server_context.h"

namespace tern::smtpd {

// nullptr when TLS is off (level none, or may without a certificate: logged).
[[nodiscard]] Result<std::unique_ptr<tls::ServerContext>> load_tls(const config::Config& cfg);

}  // namespace tern::smtpd
