// Parameters of the auth area. Add a spec here and list it in kAuthParams.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr const ParamSpec* kAuthParams[] = {
    nullptr,  // placeholder until the first auth parameter; the registry skips nullptr
};

}  // namespace tern::config
