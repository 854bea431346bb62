// Parameters of the delivery status notifications (libmail/dsn), with
// Postfix's names and defaults. Not yet in registry.cc: until it is, read
// them only through dsn::load_settings after registration, or fill
// dsn::Settings directly (tests do).
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr ParamSpec kBounceSizeLimit{"bounce_size_limit", ParamType::Size, "50000", 1, 1LL << 40,
    "Most bytes of the original message returned in a delivery status notification; "
    "a larger message is returned as its headers only."};
inline constexpr ParamSpec kDoubleBounceSender{"double_bounce_sender", ParamType::String, "double-bounce", 0, 0,
    "Sender address of double bounces to the postmaster; mail to it that fails is discarded."};

inline constexpr const ParamSpec* kDsnParams[] = {
    &kBounceSizeLimit, &kDoubleBounceSender,
};

}  // namespace tern::config
