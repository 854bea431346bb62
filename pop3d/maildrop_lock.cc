#include "pop3d/maildrop_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "libmail/core/text.h"

namespace tern::pop3d {

namespace {
// The record: the login time in seconds since the epoch, zero-padded to a
// fixed width so that every rewrite covers the previous one exactly.
constexpr int kRecordDigits = 20;
constexpr std::size_t kRecordOctets = kRecordDigits + 1;  // and '\n'
}  // namespace

Result<MaildropLock> MaildropLock::try_acquire(const std::string& maildir_root) {
    MaildropLock lock;
    lock.path_ = maildir_root + "/" + kMaildropLockName;
    lock.fd_.reset(::open(lock.path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (lock.fd_.get() < 0) return sys_error("open", lock.path_);
    struct stat st {};
    if (::fstat(lock.fd_.get(), &st) != 0) return sys_error("fstat", lock.path_);
    if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid())
        return Error(EPERM, lock.path_ + ": not a regular file of the mail store owner");
    while (::flock(lock.fd_.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK) return Error(EWOULDBLOCK, lock.path_ + ": held by another POP3 session");
        return sys_error("flock", lock.path_);
    }
    return lock;
}

std::optional<MaildropLock::Clock::time_point> MaildropLock::last_login() const {
    char buf[kRecordOctets];
    const ssize_t n = ::pread(fd_.get(), buf, sizeof buf, 0);
    if (n != static_cast<ssize_t>(sizeof buf) || buf[kRecordDigits] != '\n') return std::nullopt;
    const std::string_view digits(buf, kRecordDigits);
    for (char c : digits)
        if (c < '0' || c > '9') return std::nullopt;
    const auto secs = parse_number<std::int64_t>(digits);
    if (!secs) return std::nullopt;
    return Clock::time_point(std::chrono::seconds(*secs));
}

Result<void> MaildropLock::record_login(Clock::time_point t) {
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    char buf[kRecordOctets + 1];
    std::snprintf(buf, sizeof buf, "%0*lld\n", kRecordDigits, static_cast<long long>(secs < 0 ? 0 : secs));
    if (::pwrite(fd_.get(), buf, kRecordOctets, 0) != static_cast<ssize_t>(kRecordOctets))
        return sys_error("write", path_);
    return {};
}

bool login_too_early(std::optional<MaildropLock::Clock::time_point> last, MaildropLock::Clock::time_point now,
                     std::chrono::seconds delay) {
    if (!last || delay.count() <= 0 || *last > now) return false;
    return now - *last < delay;
}

}  // namespace tern::pop3d
