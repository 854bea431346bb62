// The queue folders (DESIGN.md): every move between them is a rename.
#pragma once

#include <string>
#include <string_view>

#include "libmail/core/result.h"

namespace tern::queue {

inline constexpr std::string_view kQueueFolders[] = {
    "maildrop", "incoming", "active", "deferred", "hold", "corrupt", "defer", "bounce", "private", "public",
    "spare",  // files of messages that left the queue, reused by writers (spare_files.h)
};

// queue_dir/folder/id
std::string queue_path(const std::string& queue_dir, std::string_view folder, std::string_view id);

// Creates every folder (mode 0750; public/ 0755) and, when running as root,
// gives them to uid/gid. maildrop/ is 1770 with group maildrop_gid (the
// setgid_group of postdrop, as in Postfix; sticky, so one submitter cannot
// remove another's file; readable by the group because postdrop fsyncs it).
// Existing folders are left as they are.
[[nodiscard]] Result<void> create_queue_dirs(const std::string& queue_dir, uid_t uid, gid_t gid,
                                             gid_t maildrop_gid);
inline Result<void> create_queue_dirs(const std::string& queue_dir, uid_t uid, gid_t gid) {
    return create_queue_dirs(queue_dir, uid, gid, gid);
}

// Moves id from one folder to another by rename(2), then fsyncs the target folder.
[[nodiscard]] Result<void> move_queue_file(const std::string& queue_dir, std::string_view from,
                                           std::string_view to, std::string_view id);

// The same rename without the fsync, for qmgr's own moves between incoming/,
// deferred/ and active/: qmgr scans all three when it starts, so a move that
// a crash undoes leaves the file where it is found again, never lost.
[[nodiscard]] Result<void> rename_queue_file(const std::string& queue_dir, std::string_view from,
                                             std::string_view to, std::string_view id);

}  // namespace tern::queue
