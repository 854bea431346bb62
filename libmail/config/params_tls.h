// Parameters of TLS for the servers (Postfix's names; smtpd now, imapd and
// pop3d use the same context code). Add a spec here and list it in kTlsParams.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr ParamSpec kSmtpdTlsCertFile{"smtpd_tls_cert_file", ParamType::String, "", 0, 0,
    "PEM file with the server certificate (and its chain) smtpd presents; empty: no TLS."};
inline constexpr ParamSpec kSmtpdTlsKeyFile{"smtpd_tls_key_file", ParamType::String, "$smtpd_tls_cert_file", 0, 0,
    "PEM file with the private key of smtpd_tls_cert_file (read as root before the privilege drop)."};
inline constexpr ParamSpec kSmtpdTlsSecurityLevel{"smtpd_tls_security_level", ParamType::String, "may", 0, 0,
    "none: no STARTTLS; may: offer STARTTLS when a certificate is set; encrypt: require TLS before MAIL and AUTH."};
inline constexpr ParamSpec kSmtpdTlsWrappermode{"smtpd_tls_wrappermode", ParamType::Bool, "no", 0, 0,
    "TLS from the first byte (port 465, RFC 8314) instead of STARTTLS."};
inline constexpr ParamSpec kSmtpdTlsProtocols{"smtpd_tls_protocols", ParamType::String, ">=TLSv1.2", 0, 0,
    "TLS versions smtpd accepts: \">=TLSv1.2\" or a list such as \"!SSLv3, !TLSv1, !TLSv1.1\"."};
inline constexpr ParamSpec kSmtpdTlsCiphers{"smtpd_tls_ciphers", ParamType::String, "medium", 0, 0,
    "Cipher grade for TLS 1.2: high or medium (the lists tls_high_cipherlist and tls_medium_cipherlist)."};
inline constexpr ParamSpec kTlsHighCipherlist{"tls_high_cipherlist", ParamType::String,
    "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES:@STRENGTH", 0, 0,
    "OpenSSL cipher list of the \"high\" grade (TLS 1.2; TLS 1.3 suites are OpenSSL's defaults)."};
inline constexpr ParamSpec kTlsMediumCipherlist{"tls_medium_cipherlist", ParamType::String,
    "HIGH:MEDIUM:!aNULL:!eNULL:!MD5:!RC4:!3DES:@STRENGTH", 0, 0,
    "OpenSSL cipher list of the \"medium\" grade (TLS 1.2)."};
inline constexpr ParamSpec kSmtpdTlsAuthOnly{"smtpd_tls_auth_only", ParamType::Bool, "yes", 0, 0,
    "Offer and accept AUTH only over TLS, so passwords never cross the network in clear."};
inline constexpr ParamSpec kSmtpdTlsReceivedHeader{"smtpd_tls_received_header", ParamType::Bool, "no", 0, 0,
    "Put the TLS version and cipher of the session into the Received header."};
inline constexpr ParamSpec kSmtpdTlsLoglevel{"smtpd_tls_loglevel", ParamType::Int, "1", 0, 2,
    "0: log TLS only on errors; 1: also a line per established TLS session."};
inline constexpr ParamSpec kTlsHandshakeTimeout{"smtpd_starttls_timeout", ParamType::Time, "300s", 1, 3600,
    "Time a TLS handshake may take before smtpd gives up on the client."};

inline constexpr const ParamSpec* kTlsParams[] = {
    &kSmtpdTlsCertFile, &kSmtpdTlsKeyFile, &kSmtpdTlsSecurityLevel, &kSmtpdTlsWrappermode, &kSmtpdTlsProtocols,
    &kSmtpdTlsCiphers, &kTlsHighCipherlist, &kTlsMediumCipherlist, &kSmtpdTlsAuthOnly, &kSmtpdTlsReceivedHeader,
    &kSmtpdTlsLoglevel, &kTlsHandshakeTimeout,
};

}  // namespace tern::config
