#include "libmail/core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>

namespace tern {

Result<void> close_checked(UniqueFd fd, std::string_view what) {
    if (!fd) return {};
    if (::close(fd.release()) != 0) return sys_error(what);
    return {};
}

Result<void> write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("write");
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_error("open", path);
    std::string out;
    char buf[16384];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("read", path);
        }
        if (n == 0) break;
        if (out.size() + static_cast<std::size_t>(n) > max_bytes)
            return Error(EFBIG, path + ": file is larger than " + std::to_string(max_bytes) + " bytes");
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

Result<void> fsync_dir(const std::string& dir) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return sys_error("open", dir);
    if (::fsync(fd.get()) != 0) return sys_error("fsync", dir);
    return {};
}

std::string dir_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

Result<void> write_file_atomic(const std::string& path, std::string_view data, unsigned mode) {
    // pid and a counter: two threads of one process (local's delivery pool)
    // may write the same file at once (maildirsize).
    static std::atomic<unsigned> serial{0};
    const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(serial++);
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd) return sys_error("open", tmp);
    auto fail = [&](Error e) {
        ::unlink(tmp.c_str());
        return e;
    };
    if (::fchmod(fd.get(), mode) != 0) return fail(sys_error("fchmod", tmp));
    if (auto r = write_all(fd.get(), data); !r) return fail(r.error());
    if (::fsync(fd.get()) != 0) return fail(sys_error("fsync", tmp));
    if (auto r = close_checked(std::move(fd)); !r) return fail(r.error());
    if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(sys_error("rename", path));
    return fsync_dir(dir_of(path));
}

Result<void> make_dirs(const std::string& path, unsigned mode) {
    if (path.empty()) return {};
    std::string cur;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        const auto next = path.find('/', pos);
        cur = path.substr(0, next == std::string::npos ? path.size() : next);
        if (!cur.empty() && ::mkdir(cur.c_str(), mode) != 0 && errno != EEXIST)
            return sys_error("mkdir", cur);
        if (next == std::string::npos) break;
        pos = next + 1;
    }
    return {};
}

}  // namespace tern
