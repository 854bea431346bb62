// A self-signed certificate for sandboxes and tests: EC P-256, valid for a
// year, the host name as CN and subjectAltName. Real instances use their own.
// The key file is created mode 0600.
#pragma once

#include <string>

#include "libmail/core/result.h"

namespace tern::tls {

[[nodiscard]] Result<void> write_self_signed_cert(const std::string& cert_path, const std::string& key_path,
                                                  const std::string& host);

}  // namespace tern::tls
