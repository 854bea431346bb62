// Identity changes. Only master stays root: every other process drops to its
// user right after start (server::run), before it reads any input. When the
// process is not root nothing changes identity (tests, trying Tern out).
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "libmail/core/result.h"

namespace tern {

struct UserIds {
    uid_t uid = 0;
    gid_t gid = 0;
    std::string name;
    std::string home;
};

// Looks up a user by name, or by number when the text is all digits.
[[nodiscard]] Result<UserIds> lookup_user(const std::string& name_or_uid);

// Permanently becomes ids (supplementary groups, gid, uid) and verifies that
// root cannot be regained. Only valid when running as root.
[[nodiscard]] Result<void> become_user(const UserIds& ids);

inline bool running_as_root() { return ::geteuid() == 0; }

}  // namespace tern
