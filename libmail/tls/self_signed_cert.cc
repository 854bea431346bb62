#include "libmail/tls/self_signed_cert.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <ctime>

#include "libmail/core/c_ptr.h"
#include "libmail/tls/server_context.h"

namespace tern::tls {

namespace {
using PkeyPtr = CPtr<EVP_PKEY, EVP_PKEY_free>;
using X509Ptr = CPtr<X509, X509_free>;
using FilePtr = CPtr<FILE, std::fclose>;
using ExtPtr = CPtr<X509_EXTENSION, X509_EXTENSION_free>;
}  // namespace

Result<void> write_self_signed_cert(const std::string& cert_path, const std::string& key_path, const std::string& host) {
    PkeyPtr key(EVP_EC_gen("P-256"));
    if (!key) return Error("cannot generate a key: " + take_errors());
    X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(::time(nullptr)));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(host.c_str()),
                               -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    const std::string san = "DNS:" + host;
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str()));
    if (ext) X509_add_ext(cert.get(), ext.get(), -1);
    if (!X509_sign(cert.get(), key.get(), EVP_sha256())) return Error("cannot sign the certificate: " + take_errors());

    const mode_t old = ::umask(077);
    FilePtr kf(std::fopen(key_path.c_str(), "w"));
    ::umask(old);
    if (!kf || !PEM_write_PrivateKey(kf.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr))
        return Error("cannot write " + key_path);
    FilePtr cf(std::fopen(cert_path.c_str(), "w"));
    if (!cf || !PEM_write_X509(cf.get(), cert.get())) return Error("cannot write " + cert_path);
    return {};
}

}  // namespace tern::tls
