// Parameters of the outbound SMTP client smtp(8): destinations, time limits,
// TLS, SASL and connection reuse. Postfix's names and defaults, except
// smtp_destination_port (Postfix has no such parameter: it exists for tests
// and non-standard setups). Read by smtp/settings.cc.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr ParamSpec kRelayhost{"relayhost", ParamType::String, "", 0, 0,
    "Next hop for all non-local mail: domain (MX lookup), [host] or [host]:port (no MX lookup); empty: deliver by MX."};
inline constexpr ParamSpec kSmtpDestinationPort{"smtp_destination_port", ParamType::Int, "25", 1, 65535,
    "TCP port smtp connects to when the next hop names none (Tern only: for tests and non-standard setups)."};
inline constexpr ParamSpec kSmtpConnectTimeout{"smtp_connect_timeout", ParamType::Time, "30s", 1, 3600,
    "Time limit for completing a TCP connection to a remote SMTP server."};
inline constexpr ParamSpec kSmtpHeloTimeout{"smtp_helo_timeout", ParamType::Time, "300s", 1, 3600,
    "Time limit for the greeting and the reply to EHLO/HELO (and to STARTTLS, AUTH and the TLS handshake)."};
inline constexpr ParamSpec kSmtpMailTimeout{"smtp_mail_timeout", ParamType::Time, "300s", 1, 3600,
    "Time limit for the replies to MAIL FROM, RCPT TO, DATA and RSET."};
inline constexpr ParamSpec kSmtpDataDoneTimeout{"smtp_data_done_timeout", ParamType::Time, "600s", 1, 7200,
    "Time limit for sending the message and receiving the reply to its final \".\"."};
inline constexpr ParamSpec kSmtpConnectionCacheTimeLimit{"smtp_connection_cache_time_limit", ParamType::Time, "2s",
    0, 3600, "How long an idle connection stays open for the next delivery to the same next hop; 0: no reuse."};
inline constexpr ParamSpec kSmtpBindAddress{"smtp_bind_address", ParamType::String, "", 0, 0,
    "Local IPv4 address to send from; empty: the system's choice."};
inline constexpr ParamSpec kSmtpBindAddress6{"smtp_bind_address6", ParamType::String, "", 0, 0,
    "Local IPv6 address to send from; empty: the system's choice."};
inline constexpr ParamSpec kSmtpHeloName{"smtp_helo_name", ParamType::String, "$myhostname", 0, 0,
    "Host name smtp sends in EHLO and HELO."};
inline constexpr ParamSpec kSmtpTlsSecurityLevel{"smtp_tls_security_level", ParamType::String, "may", 0, 0,
    "none: never STARTTLS; may: STARTTLS when offered, else clear text; encrypt: defer mail rather than send it without "
    "TLS; verify: also require a certificate from a trusted CA naming the MX host; secure: naming the destination domain."};
inline constexpr ParamSpec kSmtpTlsPolicyMaps{"smtp_tls_policy_maps", ParamType::List, "", 0, 0,
    "Tables of next hop or domain (or .parent domain) -> \"LEVEL [match=NAME:...]\": a TLS level per destination."};
inline constexpr ParamSpec kSmtpTlsCaFile{"smtp_tls_CAfile", ParamType::String, "", 0, 0,
    "File of trusted CA certificates (PEM) for the verify and secure levels; empty: the system's CA store."};
inline constexpr ParamSpec kSmtpTlsCaPath{"smtp_tls_CApath", ParamType::String, "", 0, 0,
    "Directory of trusted CA certificates (hashed, as c_rehash makes it); empty: the system's CA store."};
inline constexpr ParamSpec kSmtpTlsWrappermode{"smtp_tls_wrappermode", ParamType::Bool, "no", 0, 0,
    "TLS from the first byte (port 465, RFC 8314) instead of STARTTLS; meant for a relayhost."};
inline constexpr ParamSpec kSmtpTlsProtocols{"smtp_tls_protocols", ParamType::String, ">=TLSv1.2", 0, 0,
    "TLS versions smtp accepts, in Postfix syntax."};
inline constexpr ParamSpec kSmtpSaslAuthEnable{"smtp_sasl_auth_enable", ParamType::Bool, "no", 0, 0,
    "Authenticate to the remote server (AUTH PLAIN or LOGIN, over TLS only) with smtp_sasl_password_maps."};
inline constexpr ParamSpec kSmtpSaslPasswordMaps{"smtp_sasl_password_maps", ParamType::List, "", 0, 0,
    "Tables of \"[host]:port\" or host (or next hop domain) -> \"user:password\" for smtp_sasl_auth_enable."};
inline constexpr const ParamSpec* kSmtpParams[] = {
    &kRelayhost, &kSmtpDestinationPort, &kSmtpConnectTimeout, &kSmtpHeloTimeout, &kSmtpMailTimeout,
    &kSmtpDataDoneTimeout, &kSmtpConnectionCacheTimeLimit, &kSmtpBindAddress, &kSmtpBindAddress6, &kSmtpHeloName,
    &kSmtpTlsSecurityLevel, &kSmtpTlsWrappermode, &kSmtpTlsProtocols, &kSmtpSaslAuthEnable, &kSmtpSaslPasswordMaps,
    &kSmtpTlsPolicyMaps, &kSmtpTlsCaFile, &kSmtpTlsCaPath,
};

}  // namespace tern::config
