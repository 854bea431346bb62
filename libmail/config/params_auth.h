// Parameters of authd: failure counting and bans (fail2ban's job, done in Tern).
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr ParamSpec kAuthFailureLimit{"auth_failure_limit", ParamType::Int, "10", 1, 1000000,
    "Failed logins from one client address, within auth_failure_window, that get the address banned."};
inline constexpr ParamSpec kAuthFailureWindow{"auth_failure_window", ParamType::Time, "1h", 1, 30 * 86400,
    "Time over which authd counts an address's failed logins."};
inline constexpr ParamSpec kAuthBanTime{"auth_ban_time", ParamType::Time, "1h", 1, 365 * 86400,
    "How long a banned client address is refused without a password check."};

inline constexpr const ParamSpec* kAuthParams[] = {
    &kAuthFailureLimit,
    &kAuthFailureWindow,
    &kAuthBanTime,
};

}  // namespace tern::config
