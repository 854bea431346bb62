// Cached parse results of a folder's messages (ENVELOPE, BODYSTRUCTURE and
// BODY as imapd sends them), so that "FETCH 1:* (ENVELOPE)" reads one small
// file instead of opening and parsing every message. A message never
// changes once it has a UID, so an entry never goes stale; the file starts
// over when UIDVALIDITY changes.
//
// "tern-cache" beside the index, append-only:
//   tern-cache 1 <uidvalidity>\n
//   <uid> <field> <length>\n<bytes>\n     (field: one letter)
// Several processes append at once (O_APPEND, one write per record); each
// reads what the others added when the file has grown. A torn or damaged
// tail is ignored, and the file is rewritten without the entries of
// expunged messages when they take more room than the live ones.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libmail/core/unique_fd.h"

namespace tern::store {

class ParseCache {
public:
    // Fields imapd stores.
    static constexpr char kEnvelope = 'E';
    static constexpr char kBodyStructure = 'S';
    static constexpr char kBody = 'B';
    static constexpr char kBodyStructure2 = 's';  // with RFC 2231 values decoded (IMAP4rev2)
    static constexpr char kBody2 = 'b';

    // Opens (creating) the folder's cache for this UIDVALIDITY; live_uids
    // (ascending) lets it drop the entries of expunged messages. Never fails:
    // without a usable file the cache is simply empty and put() does nothing.
    ParseCache(const std::string& folder_path, std::uint32_t uidvalidity, const std::vector<std::uint32_t>& live_uids);

    std::optional<std::string> get(std::uint32_t uid, char field);
    void put(std::uint32_t uid, char field, std::string_view value);
    // Closes the file until the next get() or put() (after each command, so
    // that thousands of idle sessions hold no descriptors for it).
    void release();

private:
    // Where one value lies in the file; key is uid << 8 | field.
    struct Entry {
        std::uint64_t key;
        std::uint64_t offset;
        std::uint32_t length;
    };
    static std::uint64_t key_of(std::uint32_t uid, char field) {
        return std::uint64_t{uid} << 8 | static_cast<unsigned char>(field);
    }
    bool reopen();
    bool start_over_if_replaced();  // the file was compacted by another process since we read it
    void read_new_records();  // what was appended since we last looked (ours or another process's)
    void compact(const std::vector<std::uint32_t>& live_uids);
    void remember(std::uint64_t key, std::uint64_t offset, std::uint32_t length);
    const Entry* lookup(std::uint64_t key) const;

    std::string path_;
    std::uint32_t uidvalidity_ = 0;
    UniqueFd fd_;
    bool usable_ = false;  // the file exists with our header
    std::uint64_t scanned_ = 0;  // file offset up to which records are known
    std::uint64_t ino_ = 0;      // the file where_ describes
    // Ascending key: records come mostly in UID order, so adding is an append.
    std::vector<Entry> where_;
    // A window of the file read ahead, so that a FETCH of many messages reads
    // their values in large blocks, not with one pread each. Freed by release().
    std::string window_;
    std::uint64_t window_at_ = 0;
};

}  // namespace tern::store
