// The users table (auth_users_file): one account per line,
//   user@domain:CRYPT-HASH:QUOTA:STATE[:APP-PASSWORDS]   STATE = active | disabled
//   QUOTA = BYTES or BYTES/MESSAGES (0: no limit)
// APP-PASSWORDS (optional 5th field, absent when there are none) is a comma
// separated list of LABEL=CRYPT-HASH, LABEL being 1..kMaxAppLabelBytes of
// [A-Za-z0-9._-]; crypt(3) hashes hold none of ':' ',' '=' so the split is exact.
// A line without the 5th field is the format older versions wrote and read.
// "#" lines are comments. Only authd reads it in a running system; the tern
// command writes it (atomically) when an admin changes an account.
// Passwords are never stored: only crypt(3) hashes (yescrypt by default).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"

namespace tern::auth {

inline constexpr std::size_t kMaxUsersFileBytes = 64 * 1024 * 1024;
inline constexpr std::size_t kMaxUsersLineBytes = 4096;
inline constexpr std::size_t kMaxPasswordBytes = 1024;
inline constexpr std::size_t kMaxAppLabelBytes = 32;
// Each app password costs one more hash per failed login, and the line must fit
// kMaxUsersLineBytes (a yescrypt hash is about 75 bytes).
inline constexpr std::size_t kMaxAppPasswords = 20;
inline constexpr unsigned kUsersFileMode = 0640;  // mode of a users table add_user creates

struct AppPassword {
    std::string label;  // what the admin named it ("phone", "thunderbird")
    std::string hash;   // crypt(3) string of the password without separators
};

struct Account {
    std::string address;      // lower-case user@domain
    std::string hash;         // crypt(3) string
    std::uint64_t quota = 0;           // bytes, 0 = none
    std::uint64_t quota_messages = 0;  // messages, 0 = none (the QUOTA field "BYTES/MESSAGES")
    bool disabled = false;
    std::vector<AppPassword> app_passwords;  // at most kMaxAppPasswords, labels unique
};

// Parses the table text; errors name FILE:LINE (a line over kMaxUsersLineBytes,
// a wrong field count, a bad address, quota or state, a field that is not a
// crypt(3) hash, a malformed or duplicate app password, a duplicate account).
// load_users reads at most kMaxUsersFileBytes.
[[nodiscard]] Result<std::vector<Account>> parse_users(std::string_view text, const std::string& filename);
[[nodiscard]] Result<std::vector<Account>> load_users(const std::string& path);
// The table text for accounts, after header (the comment lines kept on rewrites).
std::string format_users(const std::vector<Account>& accounts, std::string_view header);

// The account whose canonical address is address, or nullptr. The pointer
// lives as long as accounts is not modified.
const Account* find_account(const std::vector<Account>& accounts, std::string_view address);

// Canonical form of an account address (lower case), or an error saying what is wrong with it.
[[nodiscard]] Result<std::string> canonical_address(std::string_view address);

// A crypt(3) yescrypt hash of password with a fresh salt.
[[nodiscard]] Result<std::string> hash_password(std::string_view password);
// Whether password matches hash: crypt(3) recomputes it with the hash's own
// method and salt (yescrypt $y$, bcrypt $2b$, SHA512-crypt $6$, ...) and the
// results are compared in constant time (CRYPTO_memcmp). A password over
// kMaxPasswordBytes, an empty or malformed hash never matches (crypt(3) refuses
// a malformed setting at once, so only well-formed hashes cost a full hash).
bool verify_password(std::string_view password, const std::string& hash);

// An app password is typed by hand from what `tern user app-password add`
// printed: "abcd-efgh-ijkl-mnop". Spaces and '-' are not part of it, so a
// client that drops them or shows groups with spaces still matches.
std::string normalize_app_password(std::string_view password);
// A new random app password: 4 groups of 4 lower-case letters joined by '-'
// (16 letters, about 75 bits), from /dev/urandom.
[[nodiscard]] Result<std::string> generate_app_password();
// Whether label is 1..kMaxAppLabelBytes of [A-Za-z0-9._-].
bool valid_app_label(std::string_view label);

// The tern command's writes (tern user add / passwd / disable / enable /
// app-password); authd only reads. Each one reads and parses the table first
// (a malformed table is an error, never silently dropped), changes one
// account and rewrites the file atomically (write_file_atomic: temp file,
// fsync, rename), keeping its leading comment lines, mode and owner. A missing
// file is created (mode kUsersFileMode) only by add_user.
//
// add_user: adds user@domain (canonicalised) with a yescrypt hash of password,
// quota 0, state active. Refused when the account exists, the address is
// invalid, or the password is empty, longer than kMaxPasswordBytes or holds a
// line break. set_password: the same, for an account that must exist.
[[nodiscard]] Result<void> add_user(const std::string& path, std::string_view address, std::string_view password);
[[nodiscard]] Result<void> set_password(const std::string& path, std::string_view address, std::string_view password);
// Sets the account's state (disabled = cannot log in, gets no mail). The
// account must exist; setting the state it already has is not an error.
[[nodiscard]] Result<void> set_disabled(const std::string& path, std::string_view address, bool disabled);
// Sets the account's quota: "BYTES[/MESSAGES]", sizes with an optional K, M,
// G or T suffix (powers of 1024), 0 for none ("1G/50000", "500M", "0").
[[nodiscard]] Result<void> set_quota(const std::string& path, std::string_view address, std::string_view quota);
// Parses that quota form; the error says what is wrong.
[[nodiscard]] Result<std::pair<std::uint64_t, std::uint64_t>> parse_quota(std::string_view text);
// Adds an app password (stored as the yescrypt hash of its normalized form).
// Refused for an unknown account, an invalid or existing label, or more than
// kMaxAppPasswords.
[[nodiscard]] Result<void> add_app_password(const std::string& path, std::string_view address, std::string_view label,
                                            std::string_view password);
// Removes the app password named label; an error when there is none.
[[nodiscard]] Result<void> remove_app_password(const std::string& path, std::string_view address,
                                               std::string_view label);

}  // namespace tern::auth
