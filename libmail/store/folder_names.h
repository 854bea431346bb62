// Folder names as IMAP clients see them and as directories of a Maildir++
// root. Inside Tern a folder name is UTF-8 with "/" between hierarchy levels
// ("Work/2024"), "INBOX" for the root. On disk, Maildir++ keeps every folder
// as one directory ".Work.2024" below the root, each level in modified UTF-7
// (RFC 3501 5.1.3) as Courier and Dovecot do, so "." inside a level is
// written "&AC4-" and every on-disk "." is a hierarchy separator.
// Invariant: from_maildir_dir(to_maildir_dir(n)) == n for every valid n.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "libmail/core/result.h"

namespace tern::store {

// Longest folder name accepted (UTF-8 octets); its directory name must also
// fit in NAME_MAX, which to_maildir_dir checks.
inline constexpr std::size_t kMaxFolderNameOctets = 200;

// RFC 3501 5.1.3 modified UTF-7 of a UTF-8 string. nullopt for input that is
// not valid UTF-8.
std::optional<std::string> utf8_to_mutf7(std::string_view utf8);
// The UTF-8 of a modified UTF-7 string; nullopt when it is not well formed
// (bad base64, a shift that encodes plain ASCII, unterminated "&", bad UTF-16).
std::optional<std::string> mutf7_to_utf8(std::string_view mutf7);

// Whether a name (UTF-8, "/" separated, not INBOX) may be a folder: valid
// UTF-8, no control characters, no empty level (no leading, trailing or
// doubled "/"), within kMaxFolderNameOctets. The error says why.
[[nodiscard]] Result<void> check_folder_name(std::string_view name);

// "Work/2024" -> ".Work.2024" (an error when the name is not valid or the
// directory name would be too long).
[[nodiscard]] Result<std::string> to_maildir_dir(std::string_view name);
// ".Work.2024" -> "Work/2024"; nullopt for entries that are not folders
// ("..", names with an empty level, bad modified UTF-7).
std::optional<std::string> from_maildir_dir(std::string_view dir);

// "INBOX" in any case is the root (RFC 3501 5.1).
bool is_inbox(std::string_view name);

// The parent of "A/B/C" is "A/B"; of "A" is "".
std::string_view parent_folder(std::string_view name);

}  // namespace tern::store
