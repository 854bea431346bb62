// Spare queue files. When a message leaves the queue, qmgr moves its file
// into spare/ instead of unlinking it, and the next writer of a queue file
// takes one from there (locked, overwritten from the start, truncated to its
// new length, renamed into incoming/) instead of creating a file. On ext4
// without a journal an inode freed in the last minutes is not handed out
// again, and the allocator looks at each such inode before it finds a free
// one (fs/ext4/ialloc.c, recently_deleted): with a file created and deleted
// per message, every creation got dearer the more mail had flowed. Reused
// files free and allocate no inode. spare/ is as private as the rest of the
// queue (a spare holds an old message until it is overwritten), and holds at
// most kMaxSpareFiles: past that, files are unlinked as before.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "libmail/core/result.h"
#include "libmail/core/unique_fd.h"

namespace tern::queue {

inline constexpr std::size_t kMaxSpareFiles = 512;

// qmgr's side: keeps an estimate of how many spares wait (writers take them
// without telling), counted again from the directory when it seems full.
class SpareKeeper {
public:
    explicit SpareKeeper(std::string queue_dir) : queue_dir_(std::move(queue_dir)) {}
    // The message in folder/id has left the queue: its file becomes a spare,
    // or is unlinked when spare/ is full or missing. An error names the file.
    [[nodiscard]] Result<void> retire(std::string_view folder, std::string_view id);

private:
    std::size_t count_spares() const;
    std::string queue_dir_;
    std::size_t estimate_ = kMaxSpareFiles;  // unknown at first: counted on the first retire
    std::chrono::steady_clock::time_point counted_{};
    bool counted_full_ = false;  // the last count found kMaxSpareFiles: hold it for a while
};

// A spare a writer has taken: open for writing and locked (flock) against
// every other writer until the descriptor is closed. It stays in spare/
// under its old name while it is written; the writer renames it to its final
// name before it closes it, so no other writer can take it in between.
struct TakenSpare {
    UniqueFd fd;
    std::string path;
};

// A writer's side: nullopt when there is none. Safe from several threads and
// processes. Claiming by lock, not by a rename to a temporary name, saves a
// rename per message (ext4 with metadata checksums: about 20 us each).
std::optional<TakenSpare> take_spare(const std::string& queue_dir);

}  // namespace tern::queue
