// Queue scans: incoming/ to active/ on every trigger; deferred/ to active/
// when a message's retry time (its mtime) has come, or at once on a flush.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "libmail/core/log.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_id.h"
#include "libmail/queue/spare_files.h"
#include "qmgr/qmgr.h"

namespace tern::qmgr {

namespace {

constexpr std::time_t kStaleTempFileSeconds = 86400;
constexpr std::size_t kMaxNamesPerScan = 100000;  // bound one scan's memory

std::vector<std::string> list_folder(const std::string& dir, std::size_t limit) {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
        log::warning("open %s: %m", dir.c_str());
        return out;
    }
    while (dirent* e = ::readdir(d)) {
        if (out.size() >= limit) break;
        out.emplace_back(e->d_name);
    }
    ::closedir(d);
    return out;
}

// A message written in place over a spare is marked complete just before its
// writer's fsync; the writer holds its lock until that is done (spare_files.h).
bool being_written(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    return fd && ::flock(fd.get(), LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

}  // namespace

void QueueManager::scan_incoming() {
    const std::string dir = queue_dir_ + "/incoming";
    const std::time_t now = std::time(nullptr);
    queue::IncomingSpares spares;
    bool whole = true;  // every name looked at, so the spares are all counted
    for (const auto& name : list_folder(dir, kMaxNamesPerScan)) {
        const std::string path = dir + "/" + name;
        if (name.rfind(".tmp.", 0) == 0) {
            // A writer that died mid-message (smtpd killed): never acknowledged, safe to remove.
            struct stat st{};
            if (::stat(path.c_str(), &st) == 0 && now - st.st_mtime > kStaleTempFileSeconds) ::unlink(path.c_str());
            continue;
        }
        if (!queue::is_queue_id(name)) continue;
        struct stat st{};
        if (::lstat(path.c_str(), &st) != 0) continue;
        if (queue::is_spare_mode(st.st_mode)) {
            if ((st.st_mode & 07777) == queue::kReadySpareMode)
                ++spares.ready;
            else
                spares.preparing.push_back(name);
            continue;
        }
        if (known_.size() >= s_.active_limit) {  // the rest waits in incoming/
            whole = false;
            break;
        }
        if (being_written(path)) continue;  // its writer's trigger comes when it is done
        if (auto r = queue::rename_queue_file(queue_dir_, "incoming", "active", name); !r) {
            log::warning("%s", r.error().message.c_str());
            continue;
        }
        enqueue(name);
    }
    if (whole)
        if (auto r = spares_.top_up(std::move(spares)); !r) log::warning("spare queue files: %s", r.error().message.c_str());
}

void QueueManager::scan_deferred(bool all) {
    const std::string dir = queue_dir_ + "/deferred";
    const std::time_t now = std::time(nullptr);
    for (const auto& name : list_folder(dir, kMaxNamesPerScan)) {
        if (!queue::is_queue_id(name)) continue;
        if (known_.size() >= s_.active_limit) break;
        struct stat st{};
        if (::stat((dir + "/" + name).c_str(), &st) != 0) continue;
        if (!all && st.st_mtime > now) continue;
        if (auto r = queue::rename_queue_file(queue_dir_, "deferred", "active", name); !r) {
            log::warning("%s", r.error().message.c_str());
            continue;
        }
        enqueue(name);
    }
}

void QueueManager::start() {
    // Files left in active/ by a crash are taken up again; settled recipients
    // are skipped because their state is in the file (DESIGN.md invariant 3).
    for (const auto& name : list_folder(queue_dir_ + "/active", kMaxNamesPerScan))
        if (queue::is_queue_id(name)) enqueue(name);
    scan_incoming();
    scan_deferred(false);
    pump();
}

}  // namespace tern::qmgr
