// The mail store: Maildir folders (Maildir++ layout: INBOX is the root,
// other folders are ".Name" below it) with flags in file names, and beside
// each folder an index (DESIGN.md "Mail store") that gives every message a
// UID that never changes and records UIDVALIDITY and UIDNEXT. The index is a
// cache of the Maildir plus the source of UIDs: it survives a crash (atomic
// rewrite), tolerates files added or removed behind its back (sync()), and is
// safe for several processes at once (a lock file held while it changes).
// Message files hold LF line ends; sizes given to clients count CRLF.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"
#include "libmail/core/unique_fd.h"

namespace tern::store {

class IndexLock;

struct MessageInfo {
    std::uint32_t uid = 0;
    std::string filename;       // relative to the folder: "cur/<base>:2,<flags>"
    std::string flags;          // Maildir flag letters, sorted: D F P R S T
    std::uint64_t size = 0;     // bytes as served (CRLF line ends): RFC822.SIZE, POP3 octets
    std::int64_t internal_date = 0;  // seconds since the epoch (delivery time)
    std::uint64_t modseq = 1;        // RFC 7162: raised by every change of the message's flags
    std::vector<std::string> keywords;  // IMAP keywords ($Forwarded, Junk...), sorted, no duplicates
};

// Most keywords one folder may use (RFC 9051 leaves the limit to the server).
inline constexpr std::size_t kMaxFolderKeywords = 128;

// A STORE: system flags as Maildir letters (D F R S T) and keywords, set,
// added or removed. Letters other than D F R S T on a file are kept.
struct FlagChange {
    enum class Op { Replace, Add, Remove } op = Op::Replace;
    std::string letters;
    std::vector<std::string> keywords;
};

// What change_flags did.
struct FlagChangeResult {
    std::vector<std::uint32_t> changed;   // UIDs whose flags or keywords changed
    std::vector<std::uint32_t> modified;  // UIDs left alone: changed after UNCHANGEDSINCE
};

class Mailbox {
public:
    // Opens (creating tmp/ new/ cur/ when missing) the folder of a user's
    // Maildir root: "INBOX" is the root itself, "Work/2024" is
    // root/.Work.2024 (folder_names.h). Nothing is read until sync():
    // uidvalidity() is 0 and messages() empty until then.
    // A name check_folder_name refuses is an error (EINVAL).
    [[nodiscard]] static Result<Mailbox> open(const std::string& maildir_root, const std::string& folder);

    // Brings the index up to date with the files: moves new/ to cur/, gives
    // new files the next UIDs in delivery order, drops vanished ones, and
    // persists the index. Cheap when nothing changed (directory mtimes).
    [[nodiscard]] Result<void> sync();

    const std::vector<MessageInfo>& messages() const { return messages_; }  // ascending UID
    std::uint32_t uidvalidity() const { return uidvalidity_; }
    std::uint32_t uidnext() const { return uidnext_; }
    std::uint64_t highestmodseq() const { return highestmodseq_; }
    // The keywords any message of the folder has, sorted (SELECT's FLAGS).
    std::vector<std::string> keywords_in_use() const;
    const std::string& folder() const { return folder_; }
    const std::string& path() const { return path_; }

    // Index of uid in messages(), or -1.
    long find(std::uint32_t uid) const;

    // STORE on the messages with these UIDs, applied to their current flags
    // under the lock (another session's change in between is kept), in one
    // index write. With unchanged_since > 0 (RFC 7162 UNCHANGEDSINCE), a
    // message whose MODSEQ is above it is left alone and listed as modified.
    // Every changed message gets one new MODSEQ. E2BIG when the folder would
    // use more than kMaxFolderKeywords keywords. UIDs that are gone are skipped.
    [[nodiscard]] Result<FlagChangeResult> change_flags(const std::vector<std::uint32_t>& uids,
                                                        const FlagChange& change, std::uint64_t unchanged_since = 0);
    // Removes the messages (unlink; files already gone are fine) and their
    // entries, and raises HIGHESTMODSEQ.
    [[nodiscard]] Result<void> expunge(const std::vector<std::uint32_t>& uids);
    // The whole message with CRLF line ends, at most max_bytes (a larger one is
    // an error with code EFBIG).
    [[nodiscard]] Result<std::string> read_message(std::uint32_t uid, std::size_t max_bytes) const;
    // The message file opened for reading, as stored (LF line ends), for
    // callers that stream it (pop3d RETR/TOP). Follows a flag rename done
    // behind our back; ENOENT when the message is gone.
    [[nodiscard]] Result<UniqueFd> open_message(std::uint32_t uid) const;

    // APPEND: stores a message (CRLF or LF line ends; kept with LF) with
    // Maildir flags and an internal date (0: now) as the next UID, which it
    // returns. The message is durable (fsync'ed) before the UID is given.
    [[nodiscard]] Result<std::uint32_t> append(std::string_view message, std::string_view maildir_flags,
                                               std::int64_t internal_date,
                                               const std::vector<std::string>& keywords = {});
    // COPY: puts copies (hard links when possible) of the messages with these
    // UIDs in `from` into this folder with their flags and internal dates;
    // the new UIDs, in the same order. All or nothing: on an error the copies
    // made so far are removed. Messages gone from `from` are skipped (their
    // new UID is 0).
    [[nodiscard]] Result<std::vector<std::uint32_t>> copy_from(const Mailbox& from,
                                                               const std::vector<std::uint32_t>& uids);

    // The folders of this Maildir root: "INBOX" first, then the others
    // (UTF-8 names with "/" between levels, sorted).
    [[nodiscard]] static Result<std::vector<std::string>> list_folders(const std::string& maildir_root);

private:
    [[nodiscard]] Result<void> sync_locked(IndexLock& lock);
    // Writes the index from messages_ (and UIDVALIDITY/UIDNEXT to the lock).
    [[nodiscard]] Result<void> write_index_locked(IndexLock& lock);
    // After our own changes under the lock: when messages_ matched the
    // directories before, it matches their new mtimes now.
    void note_own_changes();

    // What the last sync() saw, to skip the directory scan when nothing changed.
    struct Seen {
        bool valid = false;
        std::int64_t new_mtime_ns = 0, cur_mtime_ns = 0, index_mtime_ns = 0;
        std::uint64_t index_ino = 0, index_size = 0;
    };

    std::string root_;
    std::string folder_;
    std::string path_;
    std::uint32_t uidvalidity_ = 0;
    std::uint32_t uidnext_ = 1;
    std::uint64_t highestmodseq_ = 1;
    std::vector<MessageInfo> messages_;
    Seen seen_;
    // The new/ and cur/ mtimes messages_ is known to reflect (0: not known);
    // recorded in the index so that the next reader can skip the scan.
    std::int64_t dirs_new_ns_ = 0, dirs_cur_ns_ = 0;
};

// A unique Maildir base name "<sec>.M<usec>P<pid>Q<n>.<host>"; sec is `when`
// when given (APPEND's internal date), else now.
std::string unique_maildir_name(std::int64_t when = 0);

// Maildir delivery (local): tmp/ -> fsync -> link into new/ -> fsync of new/.
class MaildirDelivery {
public:
    // Starts a delivery into the folder (created with tmp/ new/ cur/ if
    // missing); `when` as for unique_maildir_name.
    [[nodiscard]] static Result<MaildirDelivery> begin(const std::string& folder_path, std::int64_t when = 0);
    MaildirDelivery(MaildirDelivery&&) noexcept;
    MaildirDelivery& operator=(MaildirDelivery&&) noexcept;
    ~MaildirDelivery();  // unlinks the tmp file unless committed

    [[nodiscard]] Result<void> write(std::string_view bytes);  // LF line ends
    // fsync, link into new/ with the final name (S= and W= sizes), fsync new/.
    // Returns the file name in new/. `gather`: see fsync_dir_grouped.
    [[nodiscard]] Result<std::string> commit(std::chrono::microseconds gather = std::chrono::microseconds(0));
    // The two halves of commit() for callers that name the file themselves
    // (the store puts appended messages straight into cur/ with their UID):
    // finish() makes the data durable and returns the base name with its S=
    // and W= sizes; link_to("cur/<name>") links it there and fsyncs cur/.
    [[nodiscard]] Result<std::string> finish();
    [[nodiscard]] Result<void> link_to(const std::string& relative,
                                       std::chrono::microseconds gather = std::chrono::microseconds(0));

private:
    static constexpr std::size_t kWriteBuffer = 64 * 1024;
    MaildirDelivery() = default;
    Result<void> flush();
    Result<void> write_through(std::string_view bytes);
    std::string folder_;
    std::string tmp_path_;
    std::string unique_;
    UniqueFd fd_;
    std::string pending_;       // written bytes not yet handed to the file (at most kWriteBuffer)
    std::uint64_t bytes_ = 0;
    std::uint64_t lines_ = 0;   // bare LFs written (each is served as CRLF)
    char last_ = '\0';          // last byte written, for a CRLF split across write() calls
    bool committed_ = false;
};

}  // namespace tern::store
