// MaildirDelivery: the durable write of one message into a Maildir folder.
// The order is the Maildir protocol plus fsyncs (DESIGN.md invariant 2: the
// delivery itself is fsync'ed before local reports success):
//   create tmp/<unique> (O_EXCL) -> write -> fsync -> close (checked)
//   -> rename (never replacing) to new/<unique>,S=<lf size>,W=<crlf size> -> fsync new/
// A failure anywhere leaves no file in new/ and is an error the caller turns
// into a temporary failure (ENOSPC, EDQUOT, EIO).
#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <utility>

#include "libmail/core/dir_sync.h"
#include "libmail/core/file_io.h"
#include "libmail/store/mailbox.h"

namespace tern::store {

namespace {

// The host name part of a unique name, with '/' and ':' encoded as the
// Maildir convention asks (they would break the path or the ":2," info).
// Read once: the name of a running host does not change under its mail.
const std::string& maildir_hostname() {
    static const std::string name = [] {
        char buf[256] = {};
        if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return std::string("localhost");
        std::string out;
        for (const char* p = buf; *p; ++p) {
            if (*p == '/') out += "\\057";
            else if (*p == ':') out += "\\072";
            else out += *p;
        }
        return out;
    }();
    return name;
}

// "<sec>.M<usec>P<pid>Q<counter>.<hostname>": unique across processes (pid),
// within one (counter) and across hosts sharing the store (hostname).
}  // namespace

std::string unique_maildir_name(std::int64_t when) {
    static std::atomic<unsigned> counter{0};
    // The processes that deliver (local, imapd, pickup) never fork after starting.
    static const pid_t pid = ::getpid();
    timeval tv{};
    ::gettimeofday(&tv, nullptr);
    const std::int64_t sec = when > 0 ? when : static_cast<std::int64_t>(tv.tv_sec);
    return std::to_string(sec) + ".M" + std::to_string(tv.tv_usec) + "P" + std::to_string(pid) + "Q" +
           std::to_string(++counter) + "." + maildir_hostname();
}

namespace {

// The folder with its tmp/ new/ cur/, for a first delivery.
Result<void> make_maildir(const std::string& folder_path) {
    for (const char* sub : {"", "/tmp", "/new", "/cur"})
        if (auto r = make_dirs(folder_path + sub, 0700); !r) return r;
    return {};
}

// tmp/ to its final name, never replacing a file there: renameat2 with
// RENAME_NOREPLACE, or link() then unlink() where the file system lacks it.
int move_no_replace(const std::string& from, const std::string& to) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return -1;
    if (::link(from.c_str(), to.c_str()) != 0) return -1;
    ::unlink(from.c_str());
    return 0;
}

}  // namespace

Result<MaildirDelivery> MaildirDelivery::begin(const std::string& folder_path, std::int64_t when) {
    MaildirDelivery d;
    d.folder_ = folder_path;
    // O_EXCL: a name collision (clock stepped back, pid reused) is retried, never shared.
    for (int attempt = 0; attempt < 5; ++attempt) {
        d.unique_ = unique_maildir_name(when);
        d.tmp_path_ = folder_path + "/tmp/" + d.unique_;
        d.fd_.reset(::open(d.tmp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!d.fd_ && errno == ENOENT && attempt == 0) {
            // The folder is new: create it (the usual case has it, and costs no mkdir).
            if (auto r = make_maildir(folder_path); !r) return r.error();
            d.fd_.reset(::open(d.tmp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
        }
        if (d.fd_ || errno != EEXIST) break;
    }
    if (!d.fd_) {
        auto e = sys_error("open", d.tmp_path_);
        d.tmp_path_.clear();  // nothing of ours to unlink
        return Result<MaildirDelivery>(std::move(e));
    }
    return d;
}

MaildirDelivery::MaildirDelivery(MaildirDelivery&& o) noexcept
    : folder_(std::move(o.folder_)),
      tmp_path_(std::exchange(o.tmp_path_, std::string())),
      unique_(std::move(o.unique_)),
      fd_(std::move(o.fd_)),
      pending_(std::move(o.pending_)),
      bytes_(o.bytes_),
      lines_(o.lines_),
      last_(o.last_),
      committed_(o.committed_) {}

MaildirDelivery& MaildirDelivery::operator=(MaildirDelivery&& o) noexcept {
    if (this != &o) {
        if (!committed_ && !tmp_path_.empty()) ::unlink(tmp_path_.c_str());
        folder_ = std::move(o.folder_);
        tmp_path_ = std::exchange(o.tmp_path_, std::string());
        unique_ = std::move(o.unique_);
        fd_ = std::move(o.fd_);
        pending_ = std::move(o.pending_);
        bytes_ = o.bytes_;
        lines_ = o.lines_;
        last_ = o.last_;
        committed_ = o.committed_;
    }
    return *this;
}

MaildirDelivery::~MaildirDelivery() {
    if (!committed_ && !tmp_path_.empty()) ::unlink(tmp_path_.c_str());
}

Result<void> MaildirDelivery::write(std::string_view bytes) {
    if (!fd_ || committed_) return Error(EBADF, "maildir delivery: write after commit or failure");
    // lines_ counts bare LFs, each served as CRLF (W= size); a CR already
    // before the LF is counted in bytes_.
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const char prev = i > 0 ? bytes[i - 1] : last_;
        if (bytes[i] == '\n' && prev != '\r') ++lines_;
    }
    if (!bytes.empty()) last_ = bytes.back();
    bytes_ += bytes.size();
    if (pending_.size() + bytes.size() > kWriteBuffer) {
        if (auto r = flush(); !r) return r;
        if (bytes.size() > kWriteBuffer) return write_through(bytes);
    }
    pending_.append(bytes);
    return {};
}

// What write() gathered goes to the file in one write(2) per kWriteBuffer.
Result<void> MaildirDelivery::flush() {
    auto r = write_through(pending_);
    pending_.clear();
    return r;
}

Result<void> MaildirDelivery::write_through(std::string_view bytes) {
    if (auto r = write_all(fd_.get(), bytes); !r) {
        fd_.reset();
        return Error(r.error().code, "write " + tmp_path_ + ": " + std::strerror(r.error().code));
    }
    return {};
}

Result<std::string> MaildirDelivery::finish() {
    if (!fd_ || committed_) return Error(EBADF, "maildir delivery: finish without an open file");
    if (auto r = flush(); !r) return r.error();
    if (::fsync(fd_.get()) != 0) return sys_error("fsync", tmp_path_);
    if (auto r = close_checked(std::move(fd_), "close " + tmp_path_); !r) return r.error();
    return unique_ + ",S=" + std::to_string(bytes_) + ",W=" + std::to_string(bytes_ + lines_);
}

Result<void> MaildirDelivery::link_to(const std::string& relative, std::chrono::microseconds gather) {
    if (fd_ || committed_ || tmp_path_.empty()) return Error(EBADF, "maildir delivery: link_to before finish");
    const std::string final_path = folder_ + "/" + relative;
    int moved = move_no_replace(tmp_path_, final_path);
    if (moved != 0 && errno == ENOENT) {  // new/ or cur/ went missing: make them, once
        if (auto r = make_maildir(folder_); !r) return r.error();
        moved = move_no_replace(tmp_path_, final_path);
    }
    if (moved != 0) return sys_error("rename", final_path);
    committed_ = true;
    if (auto r = fsync_dir_grouped(dir_of(final_path), gather); !r) {
        // Not known to be durable: take it back so the caller's retry is the only copy.
        ::unlink(final_path.c_str());
        return r.error();
    }
    return {};
}

Result<std::string> MaildirDelivery::commit(std::chrono::microseconds gather) {
    auto name = finish();
    if (!name) return name.error();
    if (auto r = link_to("new/" + *name, gather); !r) return r.error();
    return name;
}

}  // namespace tern::store
