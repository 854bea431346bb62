// Authenticator: authd's answer to one request, without any I/O but reading
// the users table (and the ban list's writes, in FailureTracker). It re-reads
// the table when the file changes (inode or mtime), verifies passwords against
// crypt(3) hashes, counts failures (FailureTracker) and submitted messages.
// Passwords are never logged; user names only through printable().
//
// Requests (attribute "request") and replies (attribute "status"):
//   password  user, password, client_address, service
//             -> ok (with user = canonical name, quota_bytes, quota_messages)
//                | fail | banned | temp, reason
//             The main password or any app password of the account is accepted.
//             A banned address gets "banned" at once, without a password check.
//             Unknown user, wrong password, disabled account: "fail" (reason
//             "unknown user", "wrong password", "account disabled"); each costs at least
//             one hash computation, so the time taken does not tell which
//             accounts exist. A disabled account with the right password does
//             not count as a failure (its owner's client is not an attacker).
//   account   user -> active | disabled | unknown (active and disabled with
//             quota_bytes and quota_messages, 0 = no limit)
//   banned    client_address -> banned | ok
//   message   user -> ok | exceeded  (one submitted message counted against
//             smtpd_user_message_rate_limit per hour; an exceeded one is not counted)
// An unreadable users table gives "temp" (the environment's fault) and counts
// nothing; an unknown request gives "temp" with reason "unknown request".
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "authd/failure_tracker.h"
#include "libmail/auth/users_table.h"
#include "libmail/ipc/attr_codec.h"

namespace tern::authd {

class Authenticator {
public:
    using Clock = FailureTracker::Clock;
    static constexpr std::size_t kMaxRateTrackedUsers = 100000;
    static constexpr auto kRateWindow = std::chrono::hours(1);

    // message_rate_limit: messages per user per hour; 0 = no limit.
    Authenticator(std::string users_path, FailureTracker failures, int message_rate_limit = 0)
        : users_path_(std::move(users_path)), failures_(std::move(failures)), message_rate_limit_(message_rate_limit) {}

    ipc::AttrList answer(const ipc::AttrList& req, Clock::time_point now);

    FailureTracker& failures() { return failures_; }
    // How many crypt(3) hashes this Authenticator has computed (tests: the
    // unknown-user path must cost as much as a wrong password).
    std::uint64_t hashes_computed() const { return hashes_; }

private:
    ipc::AttrList check_password(const ipc::AttrList& req, Clock::time_point now);
    ipc::AttrList check_account(const ipc::AttrList& req);
    ipc::AttrList count_message(const ipc::AttrList& req, Clock::time_point now);
    bool verify(std::string_view password, const std::string& hash);
    // Re-reads the table if it changed; false if there is no usable table.
    bool reload_if_changed();

    std::string users_path_;
    FailureTracker failures_;
    int message_rate_limit_;
    std::vector<auth::Account> users_;
    bool loaded_ = false;
    timespec users_mtime_{};
    ino_t users_ino_ = 0;
    std::uint64_t hashes_ = 0;
    std::unordered_map<std::string, std::deque<Clock::time_point>> messages_;
};

}  // namespace tern::authd
