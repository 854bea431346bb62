// Parameters of imapd, pop3d and the mail store. Add a spec here and list it in kMailboxParams.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

// imapd (RFC 3501 5.4: the autologout timer is at least 30 minutes).
inline constexpr ParamSpec kImapdTimeout{"imapd_timeout", ParamType::Time, "30m", 10, 86400,
    "Time an IMAP client may stay idle before imapd logs it out."};

// pop3d (RFC 1939 3: the autologout timer is at least 10 minutes).
inline constexpr ParamSpec kPop3dTimeout{"pop3d_timeout", ParamType::Time, "600s", 10, 86400,
    "Time a POP3 client may stay idle before pop3d closes the connection."};
inline constexpr ParamSpec kPop3dLoginFailureDelay{"pop3d_login_failure_delay", ParamType::Time, "2s", 0, 60,
    "Delay before pop3d answers a failed USER/PASS login."};

inline constexpr const ParamSpec* kMailboxParams[] = {
    &kImapdTimeout,
    &kPop3dTimeout, &kPop3dLoginFailureDelay,
};

}  // namespace tern::config
