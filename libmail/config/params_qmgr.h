// Parameters of the qmgr area. Add a spec here and list it in kQmgrParams.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr const ParamSpec* kQmgrParams[] = {
    nullptr,  // placeholder until the first qmgr parameter; the registry skips nullptr
};

}  // namespace tern::config
