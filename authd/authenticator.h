// Authenticator: authd's answer to one request, without any I/O but reading
// the users table. It re-reads the table when the file changes (inode or
// mtime), verifies the password against the crypt(3) hash, and counts
// failures per client address (FailureTracker). Passwords are never logged.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <string>
#include <vector>

#include "authd/failure_tracker.h"
#include "libmail/auth/users_table.h"
#include "libmail/ipc/attr_codec.h"

namespace tern::authd {

class Authenticator {
public:
    Authenticator(std::string users_path, FailureTracker failures)
        : users_path_(std::move(users_path)), failures_(std::move(failures)) {}

    // Request: request=password, user, password, client_address, service.
    // Reply: status=ok|fail|temp|banned, user (canonical, on ok), reason.
    // A banned address gets "banned" without a password check; a disabled
    // account, an unknown user and a wrong password all get "fail" (and count).
    // An unreadable users table gives "temp" (the environment's fault) and counts nothing.
    ipc::AttrList answer(const ipc::AttrList& req, FailureTracker::Clock::time_point now);

private:
    // Re-reads the table if it changed; false if there is no usable table.
    bool reload_if_changed();

    std::string users_path_;
    FailureTracker failures_;
    std::vector<auth::Account> users_;
    bool loaded_ = false;
    timespec users_mtime_{};
    ino_t users_ino_ = 0;
};

}  // namespace tern::authd
