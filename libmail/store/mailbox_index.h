// The on-disk index of one Maildir folder ("tern-index" beside cur/ new/ tmp/)
// and the Maildir file-name rules the store relies on. Used by mailbox.cc only
// (and its tests). Invariant: a formatted index parses back to the same state,
// and parse_index() accepts nothing that would give two messages one UID or
// one file two UIDs; anything else is "corrupt" and the caller rebuilds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"
#include "libmail/core/unique_fd.h"
#include "libmail/store/mailbox.h"

namespace tern::store {

inline constexpr std::string_view kIndexName = "tern-index";
inline constexpr std::string_view kIndexLockName = "tern-index.lock";

// Bounds on what a folder may hold: more files than this are left out of the
// index (with a warning), and an index larger than this is treated as corrupt.
inline constexpr std::size_t kMaxFolderMessages = 1'000'000;
inline constexpr std::size_t kMaxNameOctets = 255;  // NAME_MAX on Linux
inline constexpr std::size_t kMaxIndexBytes = kMaxFolderMessages * (kMaxNameOctets + 64);

struct IndexState {
    std::uint32_t uidvalidity = 0;
    std::uint32_t uidnext = 1;
    std::uint64_t highestmodseq = 1;
    // The new/ and cur/ mtimes (ns) the messages below reflect; 0 when the
    // writer could not be sure (then the next reader scans the directories).
    std::int64_t new_mtime_ns = 0, cur_mtime_ns = 0;
    // Ascending UID. MessageInfo::filename is "cur/<base>:2,<flags>".
    std::vector<MessageInfo> messages;
};

// Text form, one message a line, the base name last (it may hold spaces):
//   tern-index 3 <uidvalidity> <uidnext> <highestmodseq> <count> <keywords> <new mtime> <cur mtime>
//   K <keyword> ...          (only when <keywords> > 0: the folder's keywords)
//   <uid> <internal date> <crlf size> <modseq> <flags or -> <keyword bits, hex> <base>
//   end
// Versions 1 (no MODSEQ, no keywords) and 2 (no directory mtimes) are still read.
std::string format_index(const IndexState& st);
// Error (for the log line) when the text is not a well-formed index.
[[nodiscard]] Result<IndexState> parse_index(std::string_view text);
// The UIDVALIDITY of a damaged index when its header still shows one (0 if not).
std::uint32_t salvage_uidvalidity(std::string_view text);

// The parts of a Maildir file name "<base>:2,<flags>".
struct MaildirName {
    std::string_view base;
    std::string_view flags;  // as found (maybe unsorted)
    bool has_info = false;   // ":2," was present
};
MaildirName split_maildir_name(std::string_view name);

// "cur/<base>:2,<flags>"
std::string cur_filename(std::string_view base, std::string_view flags);

// The base name with ",U=<uid>" recording the message's UID (replacing one
// already there), so that an index rebuilt from the files keeps the UIDs.
std::string base_with_uid(std::string_view base, std::uint32_t uid);

// The value of a ",X=<n>" field in a base name (X is 'S', 'W' or 'U').
std::optional<std::uint64_t> name_size_field(std::string_view base, char key);

// Delivery time from the name prefix "<sec>.M<usec>...": nullopt when the
// name does not start with digits and a dot. usec is 0 when absent.
struct DeliveryTime {
    std::int64_t sec = 0;
    std::int64_t usec = 0;
};
std::optional<DeliveryTime> name_delivery_time(std::string_view base);

// Maildir flag letters, ASCII-sorted, duplicates and non-letters removed.
std::string normalize_flags(std::string_view letters);

// Whether a keyword may be stored: an IMAP atom (RFC 9051 9 flag-keyword),
// not a system flag, at most 100 octets.
bool valid_keyword(std::string_view keyword);

// Whether a directory entry may be a message file we index: not hidden, not
// too long, no byte that would break the index line (control characters).
bool acceptable_message_name(std::string_view name);

// An exclusive flock() on "<folder>/tern-index.lock", held while the index
// and the files change. flock (not fcntl) so that two Mailbox objects in one
// process exclude each other too. The lock file also keeps the folder's
// UIDVALIDITY and UIDNEXT, so that an index deleted or damaged is rebuilt
// with the same UIDVALIDITY and never gives out a UID twice.
class IndexLock {
public:
    struct State {
        std::uint32_t uidvalidity = 0;  // 0: none recorded
        std::uint32_t uidnext = 0;
        std::uint64_t highestmodseq = 0;
    };
    [[nodiscard]] static Result<IndexLock> acquire(const std::string& folder_path);
    State state() const;
    // Records st, durably (fdatasync) when it changed: the UIDs and MODSEQs
    // given out must survive the loss of the index.
    [[nodiscard]] Result<void> record(const State& st);
    IndexLock(IndexLock&&) noexcept = default;
    IndexLock& operator=(IndexLock&&) noexcept = default;
    ~IndexLock() = default;  // closing the fd releases the lock

private:
    IndexLock() = default;
    UniqueFd fd_;
};

// Size a client sees (bare LF counted as CRLF) of a file, read once in chunks.
[[nodiscard]] Result<std::uint64_t> crlf_size_of_file(int fd);

}  // namespace tern::store
