// Parameters of the lookup tables (libmail/maps) and of postmap. Registered by
// config/registry.cc through kMapsParams, like every other area's list.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr ParamSpec kDefaultDatabaseType{"default_database_type", ParamType::String, "hash", 0, 0,
    "Table type postmap builds when the file name has no type: prefix (hash or btree)."};

inline constexpr const ParamSpec* kMapsParams[] = {
    &kDefaultDatabaseType,
};

}  // namespace tern::config
