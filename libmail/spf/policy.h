// What an SPF result does at MAIL FROM (the spf_*_action parameters): a pure
// mapping from an Outcome to the SMTP reply smtpd sends, or none (accept and
// only record the result). Enhanced codes are RFC 7372's X.7.23 (SPF
// validation failed) and X.7.24 (SPF validation error).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "libmail/config/config.h"
#include "libmail/core/result.h"
#include "libmail/spf/outcome.h"

namespace tern::spf {

enum class Action { Ignore, Reject, Defer };

// "ignore", "reject", "defer" (any case); nullopt otherwise.
std::optional<Action> parse_action(std::string_view s);

struct PolicyConfig {
    Action fail = Action::Ignore;       // spf_fail_action
    Action softfail = Action::Ignore;   // spf_softfail_action
    Action permerror = Action::Ignore;  // spf_permerror_action
    Action temperror = Action::Ignore;  // spf_temperror_action

    // Errors name the parameter and the bad value.
    [[nodiscard]] static tern::Result<PolicyConfig> from_config(const config::Config& cfg);
};

// The reply for an outcome of the identity MAIL FROM is judged by (the
// null sender's is the HELO identity), e.g. "550 5.7.23 SPF fail: <explanation>";
// nullopt to go on. Only fail, softfail, permerror and temperror can act.
std::optional<std::string> smtp_reply(const Outcome& o, const PolicyConfig& p);

}  // namespace tern::spf
