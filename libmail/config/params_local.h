// Parameters of the local area. Add a spec here and list it in kLocalParams.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr const ParamSpec* kLocalParams[] = {
    nullptr,  // placeholder until the first local parameter; the registry skips nullptr
};

}  // namespace tern::config
