// Queue administration for postsuper and postqueue: finding a message by its
// ID across the folders, deleting it with its defer/ and bounce/ logs, moving
// it without ever replacing another file, making a deferred message due now,
// and telling whether a queue manager is running. Every function refuses an ID
// that is not is_queue_id(), so no caller input can reach a path unchecked.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"

namespace tern::queue {

// Where a message can be, in the order the tools look (DESIGN.md "The queue").
inline constexpr std::string_view kMessageFolders[] = {"maildrop", "incoming", "active", "deferred", "hold"};

inline constexpr std::size_t kMaxAdminListed = 1'000'000;  // names read from one folder

// The queue IDs in queue_dir/folder, sorted; temporaries (".tmp.*") and other
// names are skipped. At most limit names are returned.
std::vector<std::string> list_message_ids(const std::string& queue_dir, std::string_view folder,
                                          std::size_t limit = kMaxAdminListed);

// The first of folders that holds id now, or "" (also for an invalid id).
// A message may move while this looks: callers retry an operation that fails
// with ENOENT.
std::string find_message(const std::string& queue_dir, std::string_view id,
                         std::span<const std::string_view> folders);

// Unlinks folder/id, then defer/id and bounce/id (their absence is fine).
// The error has code ENOENT when the message was not there.
[[nodiscard]] Result<void> delete_message(const std::string& queue_dir, std::string_view folder, std::string_view id);

// Renames from/name to to/name, never replacing an existing to/name (EEXIST),
// then fsyncs the target folder. name may be any directory entry name (no
// '/', not "." or ".."): postsuper -s moves foreign files to corrupt/.
[[nodiscard]] Result<void> move_no_replace(const std::string& queue_dir, std::string_view from, std::string_view to,
                                           std::string_view name);

// Makes folder/id due now: its mtime (qmgr's retry time for deferred/) is set
// to the current time. A symbolic link is not followed.
[[nodiscard]] Result<void> make_due(const std::string& queue_dir, std::string_view folder, std::string_view id);

// Whether a queue manager runs for queue_dir: some process holds the listening
// socket public/qmgr (master binds it and passes it to qmgr), so a connect
// succeeds. The connection is closed at once, which qmgr reads as nothing.
bool queue_manager_running(const std::string& queue_dir);

}  // namespace tern::queue
