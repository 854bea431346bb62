// Parameters of the smtpd area. Add a spec here and list it in kSmtpdParams.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr const ParamSpec* kSmtpdParams[] = {
    nullptr,  // placeholder until the first smtpd parameter; the registry skips nullptr
};

}  // namespace tern::config
