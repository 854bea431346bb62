#include "libmail/queue/queue_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "libmail/core/dir_sync.h"
#include "libmail/core/file_io.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_id.h"
#include "libmail/queue/spare_files.h"

namespace tern::queue {

namespace {
constexpr std::size_t kWriteBatchBytes = 128 * 1024;  // fewer write(2) calls for big messages
// While incoming/ is busy, a commit's directory fsync waits this long for the
// commits beside it and one fsync serves them all: a short wait, since the
// client waits for its 250 (libmail/core/dir_sync.h).
constexpr std::chrono::microseconds kCommitGather{300};
}

Result<QueueWriter> QueueWriter::create(const std::string& queue_dir) {
    // Mode 0640: local reads queue files through mail_owner's group.
    QueueWriter w;
    w.queue_dir_ = queue_dir;
    w.mode_ = 0640;
    if (auto spare = take_spare(queue_dir)) {
        // Written where it is, under its name, from the start; commit() cuts
        // it to what was written and marks it complete (spare_files.h).
        w.id_ = std::move(spare->id);
        w.tmp_path_ = std::move(spare->path);
        w.fd_ = std::move(spare->fd);
        w.created_ = w.in_place_ = true;
        return w;
    }
    w.id_ = new_queue_id();
    w.tmp_path_ = queue_path(queue_dir, "incoming", ".tmp." + w.id_);
    return w;
}

Result<QueueWriter> QueueWriter::create_in(const std::string& queue_dir, std::string_view folder, mode_t mode) {
    QueueWriter w;
    w.queue_dir_ = queue_dir;
    w.id_ = new_queue_id();
    w.tmp_path_ = queue_path(queue_dir, folder, ".tmp." + w.id_);
    w.mode_ = mode;
    return w;
}

Result<void> QueueWriter::create_file() {
    fd_.reset(::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_));
    if (!fd_) return sys_error("create queue file", tmp_path_);
    created_ = true;
    // The umask may have taken bits away (postdrop runs with the user's umask).
    if (::fchmod(fd_.get(), mode_) != 0) return sys_error("chmod", tmp_path_);
    return {};
}

QueueWriter::QueueWriter(QueueWriter&& o) noexcept
    : queue_dir_(std::move(o.queue_dir_)), id_(std::move(o.id_)), tmp_path_(std::move(o.tmp_path_)),
      mode_(o.mode_), created_(std::exchange(o.created_, false)), in_place_(o.in_place_),
      marked_complete_(o.marked_complete_), written_(o.written_), crc_(o.crc_), fd_(std::move(o.fd_)),
      buf_(std::move(o.buf_)), out_(std::move(o.out_)), content_bytes_(o.content_bytes_),
      prepend_bytes_(o.prepend_bytes_),
      committed_(std::exchange(o.committed_, true)) {}

QueueWriter& QueueWriter::operator=(QueueWriter&& o) noexcept {
    if (this != &o) {
        abort();
        queue_dir_ = std::move(o.queue_dir_);
        id_ = std::move(o.id_);
        tmp_path_ = std::move(o.tmp_path_);
        mode_ = o.mode_;
        created_ = std::exchange(o.created_, false);
        in_place_ = o.in_place_;
        marked_complete_ = o.marked_complete_;
        written_ = o.written_;
        crc_ = o.crc_;
        fd_ = std::move(o.fd_);
        buf_ = std::move(o.buf_);
        out_ = std::move(o.out_);
        content_bytes_ = o.content_bytes_;
        prepend_bytes_ = o.prepend_bytes_;
        committed_ = std::exchange(o.committed_, true);
    }
    return *this;
}

QueueWriter::~QueueWriter() { abort(); }

void QueueWriter::abort() noexcept {
    if (committed_) return;
    // A spare taken stays one: whatever was written over it, its mode still
    // says so (put back if commit had marked it complete).
    if (in_place_ && marked_complete_ && fd_) (void)::fchmod(fd_.get(), kReadySpareMode);
    fd_.reset();
    if (created_ && !in_place_) ::unlink(tmp_path_.c_str());
    created_ = false;
    committed_ = true;  // nothing left to undo
}

Result<void> QueueWriter::write_envelope(const Envelope& env) {
    char when[48];
    std::snprintf(when, sizeof when, "%lld.%06d", static_cast<long long>(env.arrival_sec), env.arrival_usec);
    out_ += encode_record(RecordType::Version, "TERN1");
    out_ += encode_record(RecordType::Time, when);
    // The reader refuses any envelope record over kMaxEnvelopeRecord: never write one.
    if (env.sender.size() > kMaxEnvelopeRecord) return Error("sender too long");
    out_ += encode_record(RecordType::Sender, env.sender);
    for (const auto& [k, v] : env.attrs) {
        if (k.size() + 1 + v.size() > kMaxEnvelopeRecord) return Error("attribute " + k + " too long");
        out_ += encode_record(RecordType::Attr, k + "=" + v);
    }
    for (const auto& r : env.recipients) {
        std::string data;
        data += static_cast<char>(RecipientState::Pending);
        data += static_cast<char>(r.notify);
        data += r.address;
        data += '\0';
        data += r.orcpt;
        if (data.size() > kMaxEnvelopeRecord) return Error("recipient too long");
        out_ += encode_record(RecordType::Recipient, data);
    }
    return {};
}

Result<void> QueueWriter::flush_buffer() {
    crc_ = seal_crc(crc_, out_);
    return write_out();
}

Result<void> QueueWriter::write_out() {
    if (!fd_) {
        if (created_ || committed_) return Error("queue file is closed");
        if (auto r = create_file(); !r) return r;
    }
    if (auto r = write_all(fd_.get(), out_); !r) return Error(r.error().code, "write " + tmp_path_ + ": " + r.error().message);
    written_ += out_.size();
    out_.clear();
    return {};
}

Result<void> QueueWriter::write_content(std::string_view bytes) {
    if (prepend_bytes_ > 0) return Error("message content after the prepended header fields");
    content_bytes_ += bytes.size();
    while (!bytes.empty()) {
        const std::size_t take = std::min(bytes.size(), kMaxContentChunk - buf_.size());
        buf_.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        if (buf_.size() == kMaxContentChunk) {
            out_ += encode_record(RecordType::Content, buf_);
            buf_.clear();
        }
    }
    if (out_.size() >= kWriteBatchBytes) return flush_buffer();
    return {};
}

Result<void> QueueWriter::write_prepend(std::string_view fields) {
    if (prepend_bytes_ + fields.size() > kMaxPrependBytes) return Error("too many prepended header bytes");
    if (!buf_.empty()) {
        out_ += encode_record(RecordType::Content, buf_);
        buf_.clear();
    }
    prepend_bytes_ += fields.size();
    while (!fields.empty()) {
        const std::size_t take = std::min(fields.size(), kMaxEnvelopeRecord);
        out_ += encode_record(RecordType::Prepend, fields.substr(0, take));
        fields.remove_prefix(take);
    }
    return {};
}

// DESIGN.md invariant 1 (with the departure in docs/architecture.md): smtpd
// may answer 250 only after this returns a value. If any step fails the
// message is dropped (a temporary file removed, a spare left a spare) and the
// client gets a 4xx: it may send again (a duplicate at worst, never a loss).
Result<std::string> QueueWriter::commit() { return commit_into("incoming"); }

Result<std::string> QueueWriter::commit_into(std::string_view folder) {
    auto fail = [&](Error e) -> Result<std::string> {
        abort();
        return e;
    };
    if (!buf_.empty()) {
        out_ += encode_record(RecordType::Content, buf_);
        buf_.clear();
    }
    crc_ = seal_crc(crc_, out_);
    out_ += encode_record(RecordType::End, encode_seal(id_, crc_));
    if (auto r = write_out(); !r) return fail(r.error());
    if (in_place_) {
        // Cut to this message (an old, longer one may have been there), then
        // marked complete: the mode is part of the inode that the fsync
        // below writes. qmgr passes over the file while we hold its lock.
        if (::ftruncate(fd_.get(), static_cast<off_t>(written_)) != 0) return fail(sys_error("truncate", tmp_path_));
        if (::fchmod(fd_.get(), mode_) != 0) return fail(sys_error("chmod", tmp_path_));
        marked_complete_ = true;
    }
    if (::fsync(fd_.get()) != 0) return fail(sys_error("fsync", tmp_path_));
    if (in_place_ && folder == "incoming") {
        // Already under its final name, made durable when qmgr readied the spare.
        committed_ = true;
        if (auto r = close_checked(std::move(fd_), "close " + tmp_path_); !r) return r.error();
        return id_;
    }
    const std::string final_path = queue_path(queue_dir_, folder, id_);
    // Renamed before it is closed: closing lets go of a spare's lock.
    if (::rename(tmp_path_.c_str(), final_path.c_str()) != 0) return fail(sys_error("rename", final_path));
    committed_ = true;
    // The file is complete under its final name; if closing it or the
    // directory fsync fails it may not survive a crash, so report a temporary
    // error (a duplicate at worst, since the complete file stays and will be
    // delivered).
    if (auto r = close_checked(std::move(fd_), "close " + final_path); !r) return r.error();
    if (auto r = fsync_dir_grouped(queue_dir_ + "/" + std::string(folder), kCommitGather); !r) return r.error();
    return id_;
}

}  // namespace tern::queue
