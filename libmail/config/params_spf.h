// Parameters of SPF checking at MAIL FROM (libmail/spf, RFC 7208): whether
// smtpd checks at all, the HELO identity, and what each SPF result does.
// Actions are ignore (record the result only, for DMARC and the
// Received-SPF header), reject (5xx) or defer (4xx). Read by
// spf::PolicyConfig::from_config.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr ParamSpec kSmtpdSpfChecks{"smtpd_spf_checks", ParamType::Bool, "yes", 0, 0,
    "Check SPF (RFC 7208) for the MAIL FROM identity and add a Received-SPF header field."};
inline constexpr ParamSpec kSpfHeloCheck{"spf_helo_check", ParamType::Bool, "no", 0, 0,
    "Also check the HELO identity when MAIL FROM is not null (recorded in the header only, no action)."};
inline constexpr ParamSpec kSpfFailAction{"spf_fail_action", ParamType::String, "ignore", 0, 0,
    "What an SPF fail does at MAIL FROM: ignore (record only, DMARC decides), reject (550 5.7.23) or defer (451 4.7.23)."};
inline constexpr ParamSpec kSpfSoftfailAction{"spf_softfail_action", ParamType::String, "ignore", 0, 0,
    "What an SPF softfail does at MAIL FROM: ignore, reject (550 5.7.23) or defer (451 4.7.23)."};
inline constexpr ParamSpec kSpfPermerrorAction{"spf_permerror_action", ParamType::String, "ignore", 0, 0,
    "What an SPF permerror (a broken record) does at MAIL FROM: ignore, reject (550 5.7.24) or defer (451 4.7.24)."};
inline constexpr ParamSpec kSpfTemperrorAction{"spf_temperror_action", ParamType::String, "ignore", 0, 0,
    "What an SPF temperror (DNS trouble) does at MAIL FROM: ignore, defer (451 4.7.24) or reject (550 5.7.24)."};

inline constexpr const ParamSpec* kSpfParams[] = {
    &kSmtpdSpfChecks,
    &kSpfHeloCheck,
    &kSpfFailAction,
    &kSpfSoftfailAction,
    &kSpfPermerrorAction,
    &kSpfTemperrorAction,
};

}  // namespace tern::config
