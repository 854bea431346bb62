// Parameters of authd: failure counting and bans (fail2ban's job, done in
// Tern) and the per-user submission rate that authd keeps for smtpd.
// authd reads them from main.cf (master.cf -o overrides of smtpd do not reach it).
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr ParamSpec kAuthFailureLimit{"auth_failure_limit", ParamType::Int, "10", 1, 1000000,
    "Failed logins from one client address, within auth_failure_window, that get the address banned."};
inline constexpr ParamSpec kAuthFailureWindow{"auth_failure_window", ParamType::Time, "1h", 1, 30 * 86400,
    "Time over which authd counts an address's failed logins."};
inline constexpr ParamSpec kAuthBanTime{"auth_ban_time", ParamType::Time, "1h", 1, 365 * 86400,
    "How long an address's first ban lasts; each new ban of the same address doubles it, up to auth_ban_max_time."};
inline constexpr ParamSpec kAuthBanMaxTime{"auth_ban_max_time", ParamType::Time, "1w", 1, 365 * 86400,
    "Longest ban authd gives; an address unbanned for this long starts again at auth_ban_time."};
inline constexpr ParamSpec kSmtpdUserMessageRateLimit{"smtpd_user_message_rate_limit", ParamType::Int, "500", 0,
    1000000,
    "Messages an authenticated user may submit per hour (counted by authd; 450 4.7.1 beyond it); 0 means no limit."};

inline constexpr const ParamSpec* kAuthParams[] = {
    &kAuthFailureLimit,
    &kAuthFailureWindow,
    &kAuthBanTime,
    &kAuthBanMaxTime,
    &kSmtpdUserMessageRateLimit,
};

}  // namespace tern::config
