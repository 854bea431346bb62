// Parameters of the smtpd area (Postfix's names and defaults). Add a spec here
// and list it in kSmtpdParams.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr ParamSpec kSmtpdBanner{"smtpd_banner", ParamType::String, "$myhostname ESMTP $mail_name", 0, 0,
    "Text after the 220 code of the SMTP greeting; it must start with $myhostname."};
inline constexpr ParamSpec kSmtpdRecipientLimit{"smtpd_recipient_limit", ParamType::Int, "1000", 1, 1'000'000,
    "Most recipients smtpd accepts for one message."};
inline constexpr ParamSpec kSmtpdHardErrorLimit{"smtpd_hard_error_limit", ParamType::Int, "20", 1, 1'000'000,
    "Errors a client may cause in one session before smtpd disconnects it."};
inline constexpr ParamSpec kSmtpdTimeout{"smtpd_timeout", ParamType::Time, "300s", 1, 86400,
    "Time smtpd waits for a client request or for data to be sent to it."};
inline constexpr ParamSpec kDisableVrfyCommand{"disable_vrfy_command", ParamType::Bool, "no", 0, 0,
    "Refuse the SMTP VRFY command (502), so address harvesters learn nothing."};
inline constexpr ParamSpec kSmtpdHeloRequired{"smtpd_helo_required", ParamType::Bool, "no", 0, 0,
    "Require HELO or EHLO before MAIL FROM."};

inline constexpr ParamSpec kSmtpdSaslAuthEnable{"smtpd_sasl_auth_enable", ParamType::Bool, "no", 0, 0,
    "Offer SMTP AUTH (RFC 4954), checked by authd; the submission services turn it on in master.cf."};
inline constexpr ParamSpec kSmtpdSaslAuthRequired{"smtpd_sasl_auth_required", ParamType::Bool, "no", 0, 0,
    "Refuse MAIL FROM with 530 5.7.0 until the client has authenticated (submission, RFC 6409)."};
inline constexpr ParamSpec kSmtpdHideClientAddress{"smtpd_hide_client_address", ParamType::Bool, "no", 0, 0,
    "Leave the client's name and address out of the Received header (for submission: users' home addresses)."};
inline constexpr ParamSpec kSmtpdClientConnectionCountLimit{"smtpd_client_connection_count_limit", ParamType::Int,
    "50", 0, 1'000'000,
    "Connections one client address may hold open at once to one smtpd service (421 4.7.0 beyond); 0: no limit; mynetworks is exempt."};
inline constexpr ParamSpec kSmtpdClientConnectionRateLimit{"smtpd_client_connection_rate_limit", ParamType::Int,
    "0", 0, 1'000'000,
    "Connections one client address may open per anvil_rate_time_unit to one smtpd service (421 4.7.0 beyond); 0: no limit."};
inline constexpr ParamSpec kAnvilRateTimeUnit{"anvil_rate_time_unit", ParamType::Time, "60s", 1, 86400,
    "The time unit of the smtpd_client_*_rate_limit parameters."};
inline constexpr ParamSpec kSmtpdPregreetWait{"smtpd_pregreet_wait", ParamType::Time, "0s", 0, 60,
    "Send the greeting in two parts this far apart; a client that talks in between is refused (554) and logged as PREGREET. 0: off."};
inline constexpr ParamSpec kSmtpdPeernameLookup{"smtpd_peername_lookup", ParamType::Bool, "yes", 0, 0,
    "Look up the client's host name (PTR, then forward-confirmed) before the greeting; no: every client is \"unknown\"."};
inline constexpr ParamSpec kQueueMinfree{"queue_minfree", ParamType::Size, "0", 0, 0x7fffffffffffffff,
    "Free bytes the queue file system must have for smtpd to accept MAIL (452 4.3.1 below); 0: 1.5 times message_size_limit."};

inline constexpr const ParamSpec* kSmtpdParams[] = {
    &kSmtpdBanner, &kSmtpdRecipientLimit, &kSmtpdHardErrorLimit, &kSmtpdTimeout, &kDisableVrfyCommand,
    &kSmtpdHeloRequired, &kSmtpdSaslAuthEnable, &kSmtpdSaslAuthRequired, &kSmtpdHideClientAddress,
    &kSmtpdClientConnectionCountLimit, &kSmtpdClientConnectionRateLimit, &kAnvilRateTimeUnit, &kSmtpdPregreetWait,
    &kQueueMinfree, &kSmtpdPeernameLookup,
};

}  // namespace tern::config
