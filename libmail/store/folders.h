// The folders of one account's Maildir++ root: the tree a LIST shows (with
// the parents that only exist as part of a child's name), CREATE, DELETE and
// RENAME, the subscription list (the "subscriptions" file Courier and Dovecot
// keep in the root, one name per line) and the special-use folders
// (RFC 6154) every new account starts with. Names are as in folder_names.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"

namespace tern::store {

struct FolderInfo {
    std::string name;
    bool exists = false;        // a folder (else only the parent of one: \Noselect / \NonExistent)
    bool has_children = false;  // some folder below it
    bool subscribed = false;
    std::string_view special_use;  // "\\Sent" ... or empty
};

// Every folder, INBOX first, then the others sorted by name; parents that are
// not folders themselves are included with exists = false.
[[nodiscard]] Result<std::vector<FolderInfo>> folder_tree(const std::string& root);

// Whether a folder exists (INBOX always does); its canonical name ("INBOX"
// for any case of it) in canonical.
bool folder_exists(const std::string& root, std::string_view name, std::string& canonical);

// Errors: EEXIST (already there), EINVAL (bad name, INBOX), ENAMETOOLONG.
// Missing parents are created too (RFC 9051 6.3.4).
[[nodiscard]] Result<void> create_folder(const std::string& root, std::string_view name);
// Removes the folder and its messages; folders below it stay. ENOENT when it
// does not exist, EINVAL for INBOX.
[[nodiscard]] Result<void> delete_folder(const std::string& root, std::string_view name);
// Renames a folder with everything below it; subscriptions follow. Renaming
// INBOX moves its messages into a new folder and leaves INBOX empty
// (RFC 9051 6.3.6). ENOENT, EEXIST (target or a target child exists), EINVAL
// (into itself).
[[nodiscard]] Result<void> rename_folder(const std::string& root, std::string_view from, std::string_view to);

// The subscription list (names as given; they need not exist).
[[nodiscard]] Result<std::vector<std::string>> subscriptions(const std::string& root);
[[nodiscard]] Result<void> set_subscribed(const std::string& root, std::string_view name, bool on);

// RFC 6154 attribute of a top-level folder by its name, or empty.
std::string_view special_use_of(std::string_view name);

// For an account seen for the first time (no subscriptions file yet): creates
// INBOX, Sent, Drafts, Trash, Junk and Archive, all subscribed. Cheap and
// without effect afterwards, so a folder the user deleted stays deleted.
[[nodiscard]] Result<void> ensure_default_folders(const std::string& root);

}  // namespace tern::store
