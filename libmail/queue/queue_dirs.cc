#include "libmail/queue/queue_dirs.h"

#include <sys/stat.h>
#include <unistd.h>

#include "libmail/core/file_io.h"

namespace tern::queue {

std::string queue_path(const std::string& queue_dir, std::string_view folder, std::string_view id) {
    std::string p = queue_dir;
    p += '/';
    p += folder;
    p += '/';
    p += id;
    return p;
}

Result<void> create_queue_dirs(const std::string& queue_dir, uid_t uid, gid_t gid, gid_t maildrop_gid) {
    if (auto r = make_dirs(queue_dir, 0755); !r) return r;
    for (std::string_view folder : kQueueFolders) {
        const std::string path = queue_dir + "/" + std::string(folder);
        // Group mail_owner may read queue files (local runs as the mailbox owner
        // with that group); public/ is reachable by anyone for postqueue -f.
        const bool maildrop = folder == "maildrop";
        const mode_t mode = folder == "public" ? 0755 : maildrop ? 01770 : 0750;
        if (::mkdir(path.c_str(), mode) != 0) {
            if (errno != EEXIST) return sys_error("mkdir", path);
            continue;
        }
        if (::chmod(path.c_str(), mode) != 0) return sys_error("chmod", path);
        if (::geteuid() == 0 && ::chown(path.c_str(), uid, maildrop ? maildrop_gid : gid) != 0)
            return sys_error("chown", path);
    }
    return {};
}

Result<void> rename_queue_file(const std::string& queue_dir, std::string_view from, std::string_view to,
                               std::string_view id) {
    const std::string src = queue_path(queue_dir, from, id);
    const std::string dst = queue_path(queue_dir, to, id);
    if (::rename(src.c_str(), dst.c_str()) != 0) return sys_error("rename", src + " to " + dst);
    return {};
}

Result<void> move_queue_file(const std::string& queue_dir, std::string_view from, std::string_view to,
                             std::string_view id) {
    if (auto r = rename_queue_file(queue_dir, from, to, id); !r) return r;
    return fsync_dir(queue_dir + "/" + std::string(to));
}

}  // namespace tern::queue
