// AccountCache: authd's account verdicts (active with its quota, disabled,
// unknown), remembered by the daemons that ask for every message (smtpd at
// RCPT, local before each delivery). authd answers them from the users
// table alone, and re-reads that file when its identity changes; so a
// verdict is reused only while the file has the identity it had when the
// question was asked (stat'ed before asking), and any change to the table
// (tern user disable, a new quota) is seen by the next check, as authd sees
// it. A TempFail is never kept. Bounded: cleared when full.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <optional>
#include <string>
#include <unordered_map>

#include "libmail/auth/auth_client.h"

namespace tern::auth {

class AccountCache {
public:
    static constexpr std::size_t kMaxEntries = 4096;

    // users_file: auth_users_file; "" disables the cache.
    explicit AccountCache(std::string users_file) : users_file_(std::move(users_file)) {}

    struct FileId {
        dev_t dev = 0;
        ino_t ino = 0;
        off_t size = 0;
        timespec mtime{}, ctime{};
        bool operator==(const FileId& o) const;
    };
    // The users table's identity now (nothing when it cannot be stat'ed: no caching).
    std::optional<FileId> identify() const;
    // The verdict for user if it was answered while the table was `now`.
    const AccountVerdict* find(const std::string& user, const FileId& now) const;
    void remember(const std::string& user, const FileId& asked_at, const AccountVerdict& v);

private:
    struct Entry {
        FileId file;
        AccountVerdict verdict;
    };
    std::string users_file_;
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace tern::auth
