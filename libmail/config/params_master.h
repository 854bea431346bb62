// Parameters of master: restart throttling and service process limits.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr ParamSpec kServiceThrottleTime{"service_throttle_time", ParamType::Time, "60s", 1, 86400,
    "Longest wait before master restarts a service whose processes keep dying at start."};
inline constexpr ParamSpec kMasterStopTimeout{"master_stop_timeout", ParamType::Time, "10s", 1, 3600,
    "How long master waits for its children after SIGTERM before it kills them."};

inline constexpr const ParamSpec* kMasterParams[] = {
    &kServiceThrottleTime,
    &kMasterStopTimeout,
};

}  // namespace tern::config
