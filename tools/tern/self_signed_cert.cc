// The sandbox's certificate: libmail's self-signed one, errors as exceptions
// (the tern command's convention).
#include <stdexcept>

#include "libmail/tls/self_signed_cert.h"
#include "tools/tern/tern.h"

namespace tern::cli {

void write_self_signed_cert(const std::string& cert_path, const std::string& key_path, const std::string& host) {
    if (auto r = tls::write_self_signed_cert(cert_path, key_path, host); !r) throw std::runtime_error(r.error().message);
}

}  // namespace tern::cli
