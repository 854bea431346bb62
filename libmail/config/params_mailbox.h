// Parameters of imapd, pop3d and the mail store. Add a spec here and list it in kMailboxParams.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

// imapd (RFC 3501 5.4: the autologout timer is at least 30 minutes).
inline constexpr ParamSpec kImapdTimeout{"imapd_timeout", ParamType::Time, "30m", 10, 86400,
    "Time an IMAP client may stay idle before imapd logs it out."};
inline constexpr ParamSpec kImapdTlsCertFile{"imapd_tls_cert_file", ParamType::String, "$smtpd_tls_cert_file", 0, 0,
    "PEM file with the certificate (and chain) imapd presents; empty: no STARTTLS and no TLS port."};
inline constexpr ParamSpec kImapdTlsKeyFile{"imapd_tls_key_file", ParamType::String, "$smtpd_tls_key_file", 0, 0,
    "PEM file with the private key of imapd_tls_cert_file (read as root before the privilege drop)."};
inline constexpr ParamSpec kImapdTlsProtocols{"imapd_tls_protocols", ParamType::String, ">=TLSv1.2", 0, 0,
    "TLS versions imapd accepts, in smtpd_tls_protocols syntax."};
inline constexpr ParamSpec kImapdTlsCiphers{"imapd_tls_ciphers", ParamType::String, "medium", 0, 0,
    "Cipher grade of imapd for TLS 1.2: high or medium (tls_high_cipherlist, tls_medium_cipherlist)."};
inline constexpr ParamSpec kImapdTlsWrappermode{"imapd_tls_wrappermode", ParamType::Bool, "no", 0, 0,
    "TLS from the first byte (port 993, RFC 8314) instead of STARTTLS on port 143; set with -o in master.cf."};
inline constexpr ParamSpec kImapdTlsAuthOnly{"imapd_tls_auth_only", ParamType::Bool, "yes", 0, 0,
    "Refuse LOGIN and AUTHENTICATE until TLS is active, so passwords never cross the network in clear."};
inline constexpr ParamSpec kImapdLoginFailureDelay{"imapd_login_failure_delay", ParamType::Time, "2s", 0, 60,
    "Delay before imapd answers a failed LOGIN or AUTHENTICATE."};

// pop3d (RFC 1939 3: the autologout timer is at least 10 minutes).
inline constexpr ParamSpec kPop3dTimeout{"pop3d_timeout", ParamType::Time, "600s", 10, 86400,
    "Time a POP3 client may stay idle before pop3d closes the connection."};
inline constexpr ParamSpec kPop3dLoginFailureDelay{"pop3d_login_failure_delay", ParamType::Time, "2s", 0, 60,
    "Delay before pop3d answers a failed USER/PASS or AUTH login."};
inline constexpr ParamSpec kPop3dLoginDelay{"pop3d_login_delay", ParamType::Time, "0s", 0, 86400,
    "Least time between two POP3 logins of one user (RFC 2449 LOGIN-DELAY, listed by CAPA); 0: no limit."};
inline constexpr ParamSpec kPop3dTlsCertFile{"pop3d_tls_cert_file", ParamType::String, "$smtpd_tls_cert_file", 0, 0,
    "PEM file with the certificate (and chain) pop3d presents; empty: no STLS and no TLS port."};
inline constexpr ParamSpec kPop3dTlsKeyFile{"pop3d_tls_key_file", ParamType::String, "$smtpd_tls_key_file", 0, 0,
    "PEM file with the private key of pop3d_tls_cert_file (read as root before the privilege drop)."};
inline constexpr ParamSpec kPop3dTlsProtocols{"pop3d_tls_protocols", ParamType::String, ">=TLSv1.2", 0, 0,
    "TLS versions pop3d accepts, in smtpd_tls_protocols syntax."};
inline constexpr ParamSpec kPop3dTlsCiphers{"pop3d_tls_ciphers", ParamType::String, "medium", 0, 0,
    "Cipher grade of pop3d for TLS 1.2: high or medium (tls_high_cipherlist, tls_medium_cipherlist)."};
inline constexpr ParamSpec kPop3dTlsWrappermode{"pop3d_tls_wrappermode", ParamType::Bool, "no", 0, 0,
    "TLS from the first byte (port 995, RFC 8314) instead of STLS on port 110; set with -o in master.cf."};
inline constexpr ParamSpec kPop3dTlsAuthOnly{"pop3d_tls_auth_only", ParamType::Bool, "yes", 0, 0,
    "Refuse USER, PASS and AUTH until TLS is active, so passwords never cross the network in clear."};

inline constexpr ParamSpec kQuotaFullTempfail{"quota_full_tempfail", ParamType::Bool, "no", 0, 0,
    "What local does with mail for an account over its quota (the users table's BYTES/MESSAGES): no bounces it "
    "(5.2.2 mailbox full), yes defers it (4.2.2) until the owner makes room."};

inline constexpr const ParamSpec* kMailboxParams[] = {
    &kImapdTimeout, &kImapdLoginFailureDelay, &kImapdTlsCertFile, &kImapdTlsKeyFile, &kImapdTlsProtocols,
    &kImapdTlsCiphers, &kImapdTlsWrappermode, &kImapdTlsAuthOnly,
    &kPop3dTimeout, &kPop3dLoginFailureDelay, &kPop3dLoginDelay, &kPop3dTlsCertFile, &kPop3dTlsKeyFile, &kPop3dTlsProtocols,
    &kPop3dTlsCiphers, &kPop3dTlsWrappermode, &kPop3dTlsAuthOnly, &kQuotaFullTempfail,
};

}  // namespace tern::config
