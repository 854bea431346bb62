// The users table (auth_users_file): one account per line,
//   user@domain:CRYPT-HASH:QUOTA-BYTES:STATE        STATE = active | disabled
// "#" lines are comments. Only authd reads it in a running system; the tern
// command writes it (atomically) when an admin adds a user or a password.
// Passwords are never stored: only crypt(3) hashes (yescrypt by default).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"

namespace tern::auth {

inline constexpr std::size_t kMaxUsersFileBytes = 64 * 1024 * 1024;
inline constexpr std::size_t kMaxUsersLineBytes = 4096;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

struct Account {
    std::string address;      // lower-case user@domain
    std::string hash;         // crypt(3) string
    std::uint64_t quota = 0;  // bytes, 0 = none
    bool disabled = false;
};

// Parses the table text; errors name FILE:LINE.
[[nodiscard]] Result<std::vector<Account>> parse_users(std::string_view text, const std::string& filename);
[[nodiscard]] Result<std::vector<Account>> load_users(const std::string& path);

// Canonical form of an account address (lower case), or an error saying what is wrong with it.
[[nodiscard]] Result<std::string> canonical_address(std::string_view address);

// A crypt(3) yescrypt hash of password with a fresh salt.
[[nodiscard]] Result<std::string> hash_password(std::string_view password);
// Whether password matches hash (constant-time comparison of the results).
bool verify_password(std::string_view password, const std::string& hash);

// Adds an account (refused if it exists) or replaces its password, rewriting
// the file atomically with the given mode.
[[nodiscard]] Result<void> add_user(const std::string& path, std::string_view address, std::string_view password);
[[nodiscard]] Result<void> set_password(const std::string& path, std::string_view address, std::string_view password);

}  // namespace tern::auth
