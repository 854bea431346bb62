#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "libmail/server/pid_lock.h"

namespace tern::server {

Result<UniqueFd> take_pid_lock(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) return sys_error("open", path);
    struct flock lk{};
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    if (::fcntl(fd.get(), F_SETLK, &lk) != 0) {
        if (errno == EACCES || errno == EAGAIN)
            return Error("the Tern mail system is already running (" + path + " is locked)");
        return sys_error("lock", path);
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd.get(), 0) != 0) return sys_error("truncate", path);
    if (::pwrite(fd.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
        return sys_error("write", path);
    return fd;
}

pid_t running_master_pid(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return 0;
    struct flock lk{};
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    if (::fcntl(fd.get(), F_GETLK, &lk) != 0 || lk.l_type == F_UNLCK) return 0;
    return lk.l_pid;
}

}  // namespace tern::server
