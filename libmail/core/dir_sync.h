// Group commit for directory fsyncs: threads of one process that need the
// same directory fsync'ed at the same time share one fsync of it.
//
// A thread that finds no fsync of that directory under way runs its own, as
// before. Threads that arrive while one runs wait for the next, which the
// first of them runs for all: it begins after every one of their renames,
// so it makes all their entries durable.
//
// While the directory is busy (its last round served several callers and
// began a few `gather` windows ago), a round also gathers: its leader waits
// up to `gather`, or until as many callers as last time have come, before it
// begins, and every caller that comes meanwhile is in that round. Fewer
// fsyncs, each a little later; a lone caller never waits. The callers
// choose the window: a Maildir delivery, whose SMTP client has had its 250,
// a longer one than a queue commit, whose client waits for it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "libmail/core/result.h"

namespace tern {

// fsync of dir in effect (its entries are on disk when this returns a value).
[[nodiscard]] Result<void> fsync_dir_grouped(const std::string& dir,
                                             std::chrono::microseconds gather = std::chrono::microseconds(0));

// Calls and fsyncs so far in this process.
struct DirSyncCounts {
    std::uint64_t calls = 0, fsyncs = 0, gathered = 0;  // gathered: rounds whose leader waited
};
DirSyncCounts dir_sync_counts();

}  // namespace tern
