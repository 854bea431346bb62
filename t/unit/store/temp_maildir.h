// The store tests use the shared TempDir.
#pragma once

#include "t/unit/temp_dir.h"

namespace tern::store::test {

using tern::test::TempDir;

}  // namespace tern::store::test
