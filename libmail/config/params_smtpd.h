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

inline constexpr const ParamSpec* kSmtpdParams[] = {
    &kSmtpdBanner, &kSmtpdRecipientLimit, &kSmtpdHardErrorLimit, &kSmtpdTimeout, &kDisableVrfyCommand,
    &kSmtpdHeloRequired,
};

}  // namespace tern::config
