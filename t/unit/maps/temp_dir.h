// Helpers of the map tests: the shared TempDir and get().
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "libmail/maps/map.h"
#include "t/unit/temp_dir.h"

namespace tern::maps::test {

using tern::test::TempDir;

// The value a table gives for key, or "<none>"; a read error fails the test.
inline std::string get(Map& m, std::string_view key) {
    auto r = m.lookup(key);
    REQUIRE(r);
    return r->value_or("<none>");
}

}  // namespace tern::maps::test
