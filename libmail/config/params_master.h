// Parameters of the master area. Add a spec here and list it in kMasterParams.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr const ParamSpec* kMasterParams[] = {
    nullptr,  // placeholder until the first master parameter; the registry skips nullptr
};

}  // namespace tern::config
