// Spare queue files, and the queue commit in place that they make possible.
//
// When a message leaves the queue, qmgr moves its file into spare/ instead of
// unlinking it. qmgr keeps a few of them in incoming/ ready to be written,
// each already under a fresh queue ID, with that name made durable (one fsync
// of incoming/ for a batch of them). A writer takes one (locked), writes the
// new message over it from the start, cuts it to its new length, marks it
// complete by its mode and fsyncs it: the message is then on disk under its
// final name, without a rename or a directory fsync of its own. The End
// record's seal (queue_file.h) names the ID the file was written for and
// covers its bytes, so neither old content nor a write half done by a power
// failure is ever taken for the new message.
//
// Why reuse at all: on ext4 without a journal an inode freed in the last
// minutes is not handed out again, and the allocator looks at each such
// inode before it finds a free one (fs/ext4/ialloc.c, recently_deleted), so
// with a file created and deleted per message every creation got dearer the
// more mail had flowed. spare/ is as private as the rest of the queue (a
// spare holds an old message until it is overwritten), and holds at most
// kMaxSpareFiles: past that, files are unlinked.
//
// The mode tells what a file in incoming/ is: the sticky bit marks a spare
// (kReadySpareMode: its name is durable, a writer may take it;
// kPreparingSpareMode: not yet), any other mode a message. Only qmgr and the
// writers look at spares; postsuper, mailq and postcat pass over them.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"
#include "libmail/core/unique_fd.h"

namespace tern::queue {

inline constexpr std::size_t kMaxSpareFiles = 512;
// Spares kept ready in incoming/: more than the messages written between two
// of qmgr's scans (smtpd triggers one at most every 5 ms), and few, since
// every scan looks at each.
inline constexpr std::size_t kReadySpares = 24;
inline constexpr mode_t kReadySpareMode = S_ISVTX | 0600;
inline constexpr mode_t kPreparingSpareMode = S_ISVTX;

inline bool is_spare_mode(mode_t mode) { return (mode & S_ISVTX) != 0; }
// folder/id is a spare (only incoming/ has them): not a message, for listings.
bool is_spare(const std::string& queue_dir, std::string_view folder, std::string_view id);

// What qmgr found in incoming/ besides messages.
struct IncomingSpares {
    std::size_t ready = 0;
    std::vector<std::string> preparing;  // names in incoming/ not yet made durable
};

// qmgr's side: keeps an estimate of how many files wait in spare/, counted
// again from the directory when it seems full.
class SpareKeeper {
public:
    explicit SpareKeeper(std::string queue_dir) : queue_dir_(std::move(queue_dir)) {}
    // The message in folder/id has left the queue: its file becomes a spare
    // (preparing in incoming/ while few spares are there, else
    // in spare/), or is unlinked when spare/ is full or missing. An error
    // names the file.
    [[nodiscard]] Result<void> retire(std::string_view folder, std::string_view id);
    // Brings incoming/ up to kReadySpares ready spares from spare/, each under
    // a new queue ID, and makes ready those found preparing (after an fsync
    // of incoming/). An error names the file or directory; spares it could not
    // make ready stay preparing, never taken by a writer.
    [[nodiscard]] Result<void> top_up(IncomingSpares found);

private:
    std::size_t count_spares() const;
    std::string queue_dir_;
    std::size_t estimate_ = kMaxSpareFiles;  // unknown at first: counted on the first retire
    std::size_t in_incoming_ = 2 * kReadySpares;  // spares in incoming/ as of the last top_up (writers take them without telling); unknown at first
    std::chrono::steady_clock::time_point counted_{};
    bool counted_full_ = false;  // the last count found kMaxSpareFiles: hold it for a while
};

// A ready spare a writer has taken: open for writing and locked (flock)
// against every other writer and against qmgr until the descriptor is closed.
struct TakenSpare {
    UniqueFd fd;
    std::string id;    // its name in incoming/: the new message's queue ID
    std::string path;
};

// A writer's side: nullopt when there is none. Safe from several threads and
// processes; the lock decides who gets a file.
std::optional<TakenSpare> take_spare(const std::string& queue_dir);

}  // namespace tern::queue
