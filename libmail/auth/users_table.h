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
inline constexpr unsigned kUsersFileMode = 0640;  // mode of a users table add_user creates

struct Account {
    std::string address;      // lower-case user@domain
    std::string hash;         // crypt(3) string
    std::uint64_t quota = 0;  // bytes, 0 = none
    bool disabled = false;
};

// Parses the table text; errors name FILE:LINE (a line over kMaxUsersLineBytes,
// a wrong field count, a bad address, quota or state, a field that is not a
// crypt(3) hash, a duplicate account). load_users reads at most kMaxUsersFileBytes.
[[nodiscard]] Result<std::vector<Account>> parse_users(std::string_view text, const std::string& filename);
[[nodiscard]] Result<std::vector<Account>> load_users(const std::string& path);

// The account whose canonical address is address, or nullptr. The pointer
// lives as long as accounts is not modified.
const Account* find_account(const std::vector<Account>& accounts, std::string_view address);

// Canonical form of an account address (lower case), or an error saying what is wrong with it.
[[nodiscard]] Result<std::string> canonical_address(std::string_view address);

// A crypt(3) yescrypt hash of password with a fresh salt.
[[nodiscard]] Result<std::string> hash_password(std::string_view password);
// Whether password matches hash (constant-time comparison of the results).
bool verify_password(std::string_view password, const std::string& hash);

// add_user: adds user@domain (canonicalised: domain and user lower-cased) with
// a yescrypt hash of password, quota 0 and state active. Refused with an error
// when the account exists, the address is invalid, or the password is empty,
// longer than kMaxPasswordBytes or holds a line break. A missing file is created
// (mode kUsersFileMode); an existing one is parsed first (a malformed table is
// an error, never silently dropped) and rewritten atomically (write_file_atomic:
// temp file, fsync, rename), keeping its leading comment lines, mode and owner.
// set_password: the same, for an account that must already exist.
// Both are for the tern command (tern user add / passwd); authd only reads.
[[nodiscard]] Result<void> add_user(const std::string& path, std::string_view address, std::string_view password);
[[nodiscard]] Result<void> set_password(const std::string& path, std::string_view address, std::string_view password);

}  // namespace tern::auth
