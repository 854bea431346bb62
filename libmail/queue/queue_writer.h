// QueueWriter: writes one new queue file. The durable commit is one function
// whose order is DESIGN.md invariant 1: End record (with its seal), flush,
// fsync, close, rename into incoming/, fsync of incoming/. When a ready spare
// was taken (spare_files.h) the file is already under its final name in
// incoming/, that name already durable: cut, marked complete, fsync, close.
// smtpd answers 250 only after commit() returns a value. A writer destroyed
// before commit() unlinks its temporary file (a spare stays a spare), so a
// torn file is never taken for a message.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "libmail/core/result.h"
#include "libmail/core/unique_fd.h"
#include "libmail/queue/queue_file.h"

namespace tern::queue {

class QueueWriter {
public:
    // A new message for incoming/, in a ready spare when there is one (its
    // name is the queue ID). Otherwise its file, incoming/.tmp.<id> (a
    // dot-name that qmgr ignores), is made when the first bytes are written
    // out: at commit for a message under kWriteBatchBytes, so that smtpd's
    // loop (which only buffers) never waits on the directory that its commit
    // threads rename into and fsync.
    [[nodiscard]] static Result<QueueWriter> create(const std::string& queue_dir);
    // The same for folder/.tmp.<id> with the given file mode: postdrop writes into
    // maildrop/ (mode 0444, so that pickup, which is neither the file's owner
    // nor in its group, can read it). commit_into(folder) then finishes it.
    [[nodiscard]] static Result<QueueWriter> create_in(const std::string& queue_dir, std::string_view folder,
                                                       mode_t mode);

    QueueWriter(QueueWriter&&) noexcept;
    QueueWriter& operator=(QueueWriter&&) noexcept;
    ~QueueWriter();

    const std::string& id() const { return id_; }

    // Writes Version, Time and the envelope. Call once, before any content.
    [[nodiscard]] Result<void> write_envelope(const Envelope& env);
    // Appends message bytes (LF line ends); buffered, split into Content records.
    [[nodiscard]] Result<void> write_content(std::string_view bytes);
    std::uint64_t content_bytes() const { return content_bytes_; }
    // Header fields (complete, LF line ends) that readers present above the
    // content, in the order of the calls: for what is known only once the
    // whole message has been written (Authentication-Results, DKIM-Signature).
    // Call after the last write_content(). Fails past kMaxPrependBytes.
    [[nodiscard]] Result<void> write_prepend(std::string_view fields);
    // The durable commit. After an error the file is gone and the client gets a 4xx.
    [[nodiscard]] Result<std::string> commit();
    // The same commit, renaming into another folder of the same queue: hold/
    // (cleanup's HOLD action) or maildrop/ (postdrop). Same order, same
    // guarantees; the folder named is the one fsync'ed.
    [[nodiscard]] Result<std::string> commit_into(std::string_view folder);
    // Drops the message (unlinks the temporary file; a spare taken stays a spare).
    void abort() noexcept;

private:
    QueueWriter() = default;
    [[nodiscard]] Result<void> flush_buffer();  // counts out_ in the seal, then writes it
    [[nodiscard]] Result<void> write_out();
    [[nodiscard]] Result<void> create_file();

    std::string queue_dir_;
    std::string id_;
    std::string tmp_path_;
    mode_t mode_ = 0600;
    bool created_ = false;       // tmp_path_ exists (ours to unlink until committed, unless a spare)
    bool in_place_ = false;      // tmp_path_ is a ready spare in incoming/ under id_ (spare_files.h)
    bool marked_complete_ = false;  // its mode says complete
    std::uint64_t written_ = 0;  // bytes written to the file
    std::uint32_t crc_ = 0;      // the seal's CRC over the bytes written so far
    UniqueFd fd_;
    std::string buf_;            // pending Content bytes, at most kMaxContentChunk
    std::string out_;            // encoded records not yet written
    std::uint64_t content_bytes_ = 0;
    std::size_t prepend_bytes_ = 0;
    bool committed_ = false;
};

}  // namespace tern::queue
