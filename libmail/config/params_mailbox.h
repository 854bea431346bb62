// Parameters of imapd, pop3d and the mail store. Add a spec here and list it in kMailboxParams.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr const ParamSpec* kMailboxParams[] = {
    nullptr,  // placeholder until the first mailbox parameter; the registry skips nullptr
};

}  // namespace tern::config
