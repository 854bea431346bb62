#include "libmail/queue/spare_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdio>
#include <mutex>
#include <vector>

#include "libmail/core/file_io.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_id.h"

namespace tern::queue {

namespace {

constexpr std::string_view kSpareFolder = "spare";
constexpr std::string_view kIncoming = "incoming";
// qmgr's estimate of spare/ only grows on retire (it is not told of files
// removed by hand), so it counts again whenever the estimate reaches the
// bound; a count that found spare/ really full holds for kRecount. A writer
// lists incoming/ again at once when its last list is used up, but after a
// list without a spare only once kRelist has passed. Without the first, qmgr
// unlinked most files at a few hundred messages a second, each freed inode
// making the next file's creation dearer.
constexpr auto kRecount = std::chrono::seconds(1);
constexpr auto kRelist = std::chrono::milliseconds(10);
constexpr std::size_t kListBatch = 256;
constexpr std::size_t kMaxListedEntries = 4096;  // incoming/ holds a backlog only when qmgr has no room: no spares then
constexpr int kClaimAttempts = 16;

bool is_ready_spare(const struct stat& st) {
    return S_ISREG(st.st_mode) && (st.st_mode & 07777) == kReadySpareMode && st.st_nlink == 1;
}

// Names of queue files in queue_dir/folder, up to max.
std::vector<std::string> list_names(const std::string& queue_dir, std::string_view folder, std::size_t max) {
    std::vector<std::string> out;
    const std::string dir = queue_dir + "/" + std::string(folder);
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (out.size() < max) {
        const dirent* e = ::readdir(d);
        if (!e) break;
        if (is_queue_id(e->d_name)) out.emplace_back(e->d_name);
    }
    ::closedir(d);
    return out;
}

}  // namespace

bool is_spare(const std::string& queue_dir, std::string_view folder, std::string_view id) {
    if (folder != kIncoming) return false;
    struct stat st{};
    return ::lstat(queue_path(queue_dir, folder, id).c_str(), &st) == 0 && is_spare_mode(st.st_mode);
}

std::size_t SpareKeeper::count_spares() const { return list_names(queue_dir_, kSpareFolder, kMaxSpareFiles).size(); }

Result<void> SpareKeeper::retire(std::string_view folder, std::string_view id) {
    const std::string path = queue_path(queue_dir_, folder, id);
    if (in_incoming_ < 2 * kReadySpares) {
        // Straight into incoming/ under a new ID, one rename instead of two;
        // the next scan finds it preparing and makes it ready (top_up). Up
        // to twice the number wanted: writers take spares without telling,
        // so the count since the last scan is high.
        if (::chmod(path.c_str(), kPreparingSpareMode) == 0 &&
            ::rename(path.c_str(), queue_path(queue_dir_, kIncoming, new_queue_id()).c_str()) == 0) {
            ++in_incoming_;
            return {};
        }
    }
    if (estimate_ >= kMaxSpareFiles) {
        const auto now = std::chrono::steady_clock::now();
        if (!counted_full_ || now - counted_ >= kRecount) {
            estimate_ = count_spares();
            counted_ = now;
            counted_full_ = estimate_ >= kMaxSpareFiles;
        }
    }
    if (estimate_ < kMaxSpareFiles) {
        if (::rename(path.c_str(), queue_path(queue_dir_, kSpareFolder, id).c_str()) == 0) {
            ++estimate_;
            return {};
        }
        if (errno != ENOENT || ::access(path.c_str(), F_OK) == 0) estimate_ = kMaxSpareFiles;  // no spare/: unlink
    }
    if (::unlink(path.c_str()) != 0) return sys_error("unlink", path);
    return {};
}

Result<void> SpareKeeper::top_up(IncomingSpares found) {
    const std::size_t have = found.ready + found.preparing.size();
    in_incoming_ = have;
    if (have < kReadySpares && estimate_ > 0) {
        const auto names = list_names(queue_dir_, kSpareFolder, kReadySpares - have);
        for (const auto& name : names) {
            // Marked as a spare before it enters incoming/, so nothing takes it for a message.
            const std::string from = queue_path(queue_dir_, kSpareFolder, name);
            if (::chmod(from.c_str(), kPreparingSpareMode) != 0) return sys_error("chmod", from);
            std::string id = new_queue_id();
            if (::rename(from.c_str(), queue_path(queue_dir_, kIncoming, id).c_str()) != 0)
                return sys_error("rename", from);
            found.preparing.push_back(std::move(id));
            ++in_incoming_;
        }
        estimate_ = names.size() < kReadySpares - have ? 0 : estimate_ - std::min(estimate_, names.size());
    }
    if (found.preparing.empty()) return {};
    // Their names must survive a crash before a writer may commit a message
    // under one: a message acknowledged in a file whose name a crash undid
    // would be lost.
    if (auto r = fsync_dir(queue_dir_ + "/" + std::string(kIncoming)); !r) return r;
    for (const auto& id : found.preparing) {
        const std::string path = queue_path(queue_dir_, kIncoming, id);
        if (::chmod(path.c_str(), kReadySpareMode) != 0) return sys_error("chmod", path);
    }
    return {};
}

namespace {

// Names of ready spares in incoming/, up to kListBatch, looking at
// kMaxListedEntries entries at most.
std::vector<std::string> list_ready_spares(const std::string& queue_dir) {
    std::vector<std::string> out;
    const std::string dir = queue_dir + "/" + std::string(kIncoming);
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    for (std::size_t seen = 0; out.size() < kListBatch && seen < kMaxListedEntries; ++seen) {
        const dirent* e = ::readdir(d);
        if (!e) break;
        struct stat st{};
        if (is_queue_id(e->d_name) && ::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            is_ready_spare(st))
            out.emplace_back(e->d_name);
    }
    ::closedir(d);
    return out;
}

// Opens incoming/name and locks it when it is a ready spare; nullopt when it
// is not, or another writer holds it.
std::optional<TakenSpare> claim(const std::string& queue_dir, std::string name) {
    std::string path = queue_path(queue_dir, kIncoming, name);
    struct stat named{};
    if (::stat(path.c_str(), &named) != 0 || !is_ready_spare(named)) return std::nullopt;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return std::nullopt;
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) return std::nullopt;
    // Locked: whoever had it before us has let go. Is it still a spare, and still this name?
    struct stat held{};
    if (::fstat(fd.get(), &held) != 0 || ::stat(path.c_str(), &named) != 0) return std::nullopt;
    if (held.st_dev != named.st_dev || held.st_ino != named.st_ino || !is_ready_spare(held)) return std::nullopt;
    return TakenSpare{std::move(fd), std::move(name), std::move(path)};
}

}  // namespace

std::optional<TakenSpare> take_spare(const std::string& queue_dir) {
    // One list per process, shared by its threads; several processes may hold
    // the same names, and the lock decides who gets a file.
    static std::mutex lock;
    static std::vector<std::string> names;
    static std::string listed_for;
    static std::chrono::steady_clock::time_point listed_empty{};
    bool relisted = false;  // once per call: spares all taken by other writers are not listed again and again
    for (int attempt = 0; attempt < kClaimAttempts; ++attempt) {
        std::string name;
        {
            std::lock_guard<std::mutex> held(lock);
            if (listed_for != queue_dir) {
                names.clear();
                listed_for = queue_dir;
                listed_empty = {};
            }
            if (names.empty()) {
                const auto now = std::chrono::steady_clock::now();
                if (relisted) {  // a fresh list held no spare to take
                    listed_empty = now;
                    return std::nullopt;
                }
                if (now - listed_empty < kRelist) return std::nullopt;
                relisted = true;
                names = list_ready_spares(queue_dir);
                if (names.empty()) {
                    listed_empty = now;
                    return std::nullopt;
                }
            }
            name = std::move(names.back());
            names.pop_back();
        }
        if (auto taken = claim(queue_dir, std::move(name))) return taken;
    }
    return std::nullopt;
}

}  // namespace tern::queue
