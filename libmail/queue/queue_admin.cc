#include "libmail/queue/queue_admin.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "libmail/core/file_io.h"
#include "libmail/core/unique_fd.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_id.h"
#include "libmail/queue/spare_files.h"

namespace tern::queue {

namespace {

bool is_plain_name(std::string_view name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
           name.find('\0') == std::string_view::npos;
}

}  // namespace

std::vector<std::string> list_message_ids(const std::string& queue_dir, std::string_view folder, std::size_t limit) {
    std::vector<std::string> out;
    DIR* d = ::opendir((queue_dir + "/" + std::string(folder)).c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        if (out.size() >= limit) break;
        if (is_queue_id(e->d_name) && !is_spare(queue_dir, folder, e->d_name)) out.emplace_back(e->d_name);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

std::string find_message(const std::string& queue_dir, std::string_view id,
                         std::span<const std::string_view> folders) {
    if (!is_queue_id(id)) return {};
    for (std::string_view folder : folders) {
        struct stat st{};
        if (::lstat(queue_path(queue_dir, folder, id).c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            !(folder == "incoming" && is_spare_mode(st.st_mode)))
            return std::string(folder);
    }
    return {};
}

Result<void> delete_message(const std::string& queue_dir, std::string_view folder, std::string_view id) {
    if (!is_queue_id(id)) return Error(EINVAL, "invalid queue id");
    const std::string path = queue_path(queue_dir, folder, id);
    if (::unlink(path.c_str()) != 0) return sys_error("unlink", path);
    // The logs go after the message: a crash in between leaves an orphan log,
    // which postsuper -s removes, never a message without its reasons.
    for (std::string_view log_folder : {"defer", "bounce"}) {
        const std::string log = queue_path(queue_dir, log_folder, id);
        if (::unlink(log.c_str()) != 0 && errno != ENOENT) return sys_error("unlink", log);
    }
    return {};
}

Result<void> move_no_replace(const std::string& queue_dir, std::string_view from, std::string_view to,
                             std::string_view name) {
    if (!is_plain_name(name)) return Error(EINVAL, "invalid file name");
    const std::string src = queue_path(queue_dir, from, name);
    const std::string dst = queue_path(queue_dir, to, name);
    // RENAME_NOREPLACE: two files with one ID must never become one (DESIGN.md invariant 5: a rename, never a loss).
    if (::renameat2(AT_FDCWD, src.c_str(), AT_FDCWD, dst.c_str(), RENAME_NOREPLACE) != 0) {
        if (errno != EINVAL) return sys_error("rename", src + " to " + dst);
        // A file system without RENAME_NOREPLACE: link(2) refuses an existing target too.
        if (::link(src.c_str(), dst.c_str()) != 0) return sys_error("link", src + " to " + dst);
        if (::unlink(src.c_str()) != 0) return sys_error("unlink", src);
    }
    return fsync_dir(queue_dir + "/" + std::string(to));
}

Result<void> make_due(const std::string& queue_dir, std::string_view folder, std::string_view id) {
    if (!is_queue_id(id)) return Error(EINVAL, "invalid queue id");
    const std::string path = queue_path(queue_dir, folder, id);
    const timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
    if (::utimensat(AT_FDCWD, path.c_str(), now, AT_SYMLINK_NOFOLLOW) != 0) return sys_error("utimensat", path);
    return {};
}

bool queue_manager_running(const std::string& queue_dir) {
    // Written out here rather than through libmail/ipc, which sits beside queue, not below it.
    const std::string path = queue_dir + "/public/qmgr";
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    if (path.size() >= sizeof sun.sun_path) return false;
    std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return false;
    // EAGAIN (backlog full) also means someone is listening.
    return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun) == 0 || errno == EAGAIN;
}

}  // namespace tern::queue
