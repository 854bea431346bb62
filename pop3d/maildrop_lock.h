// The POP3 maildrop lock (RFC 1939 8, RFC 2449 8.1.1 [IN-USE]) and the last
// login time behind LOGIN-DELAY (RFC 2449 6.5), both in one small file,
// "<Maildir root>/tern-pop3.lock", per maildrop.
// Invariant: the lock is an flock() on that file, so the kernel drops it when
// the descriptor closes, whatever ends the session (QUIT, a dropped
// connection, kill -9 of pop3d): it never outlives its holder. Only pop3d
// looks at this file: imapd, local delivery and the store never wait for it.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "libmail/core/result.h"
#include "libmail/core/unique_fd.h"

namespace tern::pop3d {

inline constexpr const char* kMaildropLockName = "tern-pop3.lock";

class MaildropLock {
public:
    using Clock = std::chrono::system_clock;

    // Takes the lock without waiting. The error code is EWOULDBLOCK when
    // another session holds it ([IN-USE]); any other code is the environment
    // ([SYS/TEMP]). The file is created (mode 0600) when missing; a symlink
    // or a file of another owner is refused.
    [[nodiscard]] static Result<MaildropLock> try_acquire(const std::string& maildir_root);

    MaildropLock(MaildropLock&&) noexcept = default;
    MaildropLock& operator=(MaildropLock&&) noexcept = default;
    ~MaildropLock() = default;  // closing the descriptor releases the lock

    // The last login recorded by record_login(), or nullopt when there is
    // none or the record is unreadable (a torn write after a crash): an
    // unreadable record never keeps a user out.
    std::optional<Clock::time_point> last_login() const;
    // Overwrites the record with t (one fixed-width pwrite, so the file never
    // grows). Not fsynced: losing it in a crash only lets one login in early.
    [[nodiscard]] Result<void> record_login(Clock::time_point t);

private:
    MaildropLock() = default;
    UniqueFd fd_;
    std::string path_;
};

// Whether a login at now must wait (RFC 2449 6.5): less than delay since
// last. A last login in the future (the clock went back) does not count.
bool login_too_early(std::optional<MaildropLock::Clock::time_point> last, MaildropLock::Clock::time_point now,
                     std::chrono::seconds delay);

}  // namespace tern::pop3d
