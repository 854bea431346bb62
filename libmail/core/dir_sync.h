// Group commit for directory fsyncs: threads of one process that need the
// same directory fsync'ed at the same time share one fsync of it.
//
// A thread that finds no fsync of that directory under way runs its own, as
// before. Threads that arrive while one runs wait for the next, which the
// first of them runs for all: it begins after every one of their renames,
// so it makes all their entries durable. A round never waits for more
// callers to come.
#pragma once

#include <cstdint>
#include <string>

#include "libmail/core/result.h"

namespace tern {

// fsync of dir in effect (its entries are on disk when this returns a value).
[[nodiscard]] Result<void> fsync_dir_grouped(const std::string& dir);

// Calls and fsyncs so far in this process.
struct DirSyncCounts {
    std::uint64_t calls = 0, fsyncs = 0;
};
DirSyncCounts dir_sync_counts();

}  // namespace tern
