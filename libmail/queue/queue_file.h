// The queue file: one file per message, named by its queue ID, made of typed,
// length-prefixed records (DESIGN.md "The queue"):
//   record = type (1 byte) + length (4 bytes, big-endian) + data
// Order: Version, then the envelope (Time, Sender, Attr*, Recipient+), then
// the message (Content* — raw bytes, LF line ends, dot-unstuffed), then
// Prepend* (header fields the receiver decided on only after the message had
// streamed to disk: Authentication-Results, DKIM-Signature), then End.
// Readers present Prepend bytes first, then Content: the message as delivered.
// A file without its End record is incomplete and is never delivered.
// The End record seals the file: the queue ID it was written for and a CRC-32
// of every byte before it, each recipient's state byte counted as Pending
// (the state is updated in place). A file written in place over an old one
// (spare_files.h) that a power failure left half old, half new fails its
// seal; files of older Tern versions have an empty End record.
// Each Recipient record starts with a fixed-size state field so that qmgr can
// settle a recipient in place (pwrite + fsync) without rewriting the file.
// One reader and one writer here serve smtpd, qmgr, local, postcat, postqueue.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libmail/core/result.h"
#include "libmail/core/unique_fd.h"

namespace tern::queue {

enum class RecordType : char {
    Version = 'V',    // "TERN1"
    Time = 'T',       // arrival: decimal seconds "." microseconds since the epoch
    Sender = 'S',     // envelope sender, "" for the null sender <>
    Attr = 'A',       // "name=value": client_address, client_name, helo_name, protocol,
                      // sasl_username, envid, ret, size, ...
    Recipient = 'R',  // RecipientState (1 byte) + notify (1 byte) + address + '\0' + orcpt
    Content = 'C',    // a chunk of the message (at most kMaxContentChunk bytes)
    Prepend = 'H',    // header fields that go above the Content (after it in the file)
    End = 'E',        // the file is complete: "<queue ID> <CRC-32 in 8 hex digits>", or empty (older files)
};

// Per-recipient state, one byte in the file, updated in place.
enum class RecipientState : char {
    Pending = 'P',    // not yet settled
    Delivered = 'D',  // delivered (and the delivery fsync'ed)
    Bounced = 'B',    // permanent failure, DSN queued
    Expired = 'X',    // maximal_queue_lifetime passed, DSN queued
};

// DSN NOTIFY bits (RFC 3461); 0 = not given (default: FAILURE).
enum NotifyBits : std::uint8_t { kNotifyNever = 1, kNotifySuccess = 2, kNotifyFailure = 4, kNotifyDelay = 8 };

inline constexpr std::size_t kMaxContentChunk = 64 * 1024;
inline constexpr std::size_t kMaxEnvelopeRecord = 64 * 1024;  // any non-content record
inline constexpr std::size_t kRecordHeaderBytes = 5;
inline constexpr std::size_t kMaxPrependBytes = 256 * 1024;     // all Prepend records of a file together

struct Recipient {
    std::string address;
    std::string orcpt;                 // RFC 3461 ORCPT as given, may be empty
    std::uint8_t notify = 0;           // NotifyBits
    RecipientState state = RecipientState::Pending;
    off_t state_offset = -1;           // where the state byte is in the file (set by the reader)
};

struct Envelope {
    std::int64_t arrival_sec = 0;
    std::int32_t arrival_usec = 0;
    std::string sender;
    std::vector<std::pair<std::string, std::string>> attrs;
    std::vector<Recipient> recipients;

    const std::string* attr(std::string_view name) const;
};

// A fully checked queue file: envelope plus where the content lies.
struct QueueFile {
    Envelope env;
    off_t content_offset = 0;          // offset of the first Content record
    std::uint64_t content_bytes = 0;   // the message's size: prepend plus the bytes in Content records
    std::string prepend;               // the Prepend records' bytes, in file order
    off_t file_size = 0;
    off_t end_offset = 0;              // where the End record starts
    std::string seal_id;               // the End record's queue ID, empty for an unsealed file
    std::uint32_t seal_crc = 0;
};

// The End record's data for a file written for id whose bytes before it have
// the given CRC (seal_crc over them, state bytes as Pending).
std::string encode_seal(std::string_view id, std::uint32_t crc);
// Continues a CRC-32 (start from 0) over bytes.
std::uint32_t seal_crc(std::uint32_t crc, std::string_view bytes);

enum class SealCheck {
    Unsealed,      // an older file: nothing to check
    Good,          // written for this ID, every byte as written
    OtherMessage,  // written for another ID: a file reused in place whose new message never finished
    Damaged,       // the bytes differ from what was written
};
// Checks a file read by read_queue_file against the ID it is queued under,
// reading it whole once more.
[[nodiscard]] Result<SealCheck> check_seal(int fd, const QueueFile& qf, std::string_view id,
                                           const std::string& path_for_errors);

// Reads and validates a whole queue file (every record, up to End). A
// truncated file, a missing End, an unknown record type or an over-long record
// is an error whose message names the file and the offset.
[[nodiscard]] Result<QueueFile> read_queue_file(int fd, const std::string& path_for_errors);
[[nodiscard]] Result<QueueFile> read_queue_file(const std::string& path);

// Streams the message content to fn in chunks, without loading it whole.
[[nodiscard]] Result<void> read_content(int fd, const QueueFile& qf,
                                        const std::function<Result<void>(std::string_view)>& fn);

// Reads a file at given offsets through a buffer of up to kReadWindow bytes
// (one pread fills it), so small records do not cost a system call each.
class ReadWindow {
public:
    static constexpr std::size_t kReadWindow = 64 * 1024;
    // capacity: at most kReadWindow; no more than the file's size is worth it.
    explicit ReadWindow(std::size_t capacity = kReadWindow) : capacity_(std::min(capacity, kReadWindow)) {}
    // n bytes at off into dst; an error names path (a short file: "file is truncated").
    [[nodiscard]] Result<void> read(int fd, char* dst, std::size_t n, off_t off, const std::string& path);

private:
    std::size_t capacity_;
    std::unique_ptr<char[]> bytes_;  // allocated on first use, never cleared (no 64 KiB memset per file)
    std::size_t size_ = 0;
    off_t start_ = 0;
};

// The message content one Content record at a time, for a reader that sends
// it as it goes (smtp) and never holds more than one record (kMaxContentChunk).
class ContentReader {
public:
    ContentReader(int fd, const QueueFile& qf)
        : fd_(fd),
          pos_(qf.content_offset),
          total_(qf.content_bytes - qf.prepend.size()),
          prepend_(qf.prepend),
          window_(static_cast<std::size_t>(qf.file_size > qf.content_offset ? qf.file_size - qf.content_offset : 0)) {}
    // The next record's bytes in chunk (replacing what was there); false when
    // all content has been read. The prepended header fields come first.
    [[nodiscard]] Result<bool> next(std::string& chunk);

private:
    int fd_;
    off_t pos_;
    std::uint64_t total_, seen_ = 0;
    std::string prepend_;  // emptied once given out
    ReadWindow window_;
};

// Settles a recipient in place: pwrite of the state byte, then fsync.
[[nodiscard]] Result<void> set_recipient_state(int fd, const Recipient& r, RecipientState s);

// Encodes one record (header + data). Used by the writer and by tests.
std::string encode_record(RecordType type, std::string_view data);

}  // namespace tern::queue
