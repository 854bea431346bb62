// Internal to libmail/maps: one opener per table type, called by open_map()
// with the part of "type:name" after the colon. Each returns an error naming
// the table (and FILE:LINE for text tables) when it cannot be opened.
#pragma once

#include <string>

#include "libmail/maps/map.h"

namespace tern::maps::detail {

[[nodiscard]] Result<MapPtr> open_bdb_map(const std::string& spec, const std::string& type,
                                          const std::string& path);
[[nodiscard]] Result<MapPtr> open_texthash_map(const std::string& spec, const std::string& path);
[[nodiscard]] Result<MapPtr> open_pcre_map(const std::string& spec, const std::string& path);
[[nodiscard]] Result<MapPtr> open_inline_map(const std::string& spec, const std::string& body);
[[nodiscard]] Result<MapPtr> open_static_map(const std::string& spec, const std::string& body);

}  // namespace tern::maps::detail
