#include "libmail/queue/spare_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <mutex>
#include <vector>

#include "libmail/queue/queue_dirs.h"

namespace tern::queue {

namespace {

constexpr std::string_view kSpareFolder = "spare";
// qmgr's estimate only grows (writers take spares without telling), so it
// counts again whenever the estimate reaches the bound; a count that found
// spare/ really full holds for kRecount. A writer lists spare/ again at once
// when its last list is used up, but after an empty list only once kRelist
// has passed. Without the first, qmgr unlinked most files at a few hundred
// messages a second, each freed inode making the next file's creation dearer.
constexpr auto kRecount = std::chrono::seconds(1);
constexpr auto kRelist = std::chrono::milliseconds(100);
constexpr std::size_t kListBatch = 256;

// Names in spare/ (not "." files), up to max.
std::vector<std::string> list_spares(const std::string& queue_dir, std::size_t max) {
    std::vector<std::string> out;
    const std::string dir = queue_dir + "/" + std::string(kSpareFolder);
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (out.size() < max) {
        const dirent* e = ::readdir(d);
        if (!e) break;
        if (e->d_name[0] != '.') out.emplace_back(e->d_name);
    }
    ::closedir(d);
    return out;
}

}  // namespace

std::size_t SpareKeeper::count_spares() const { return list_spares(queue_dir_, kMaxSpareFiles).size(); }

Result<void> SpareKeeper::retire(std::string_view folder, std::string_view id) {
    const std::string path = queue_path(queue_dir_, folder, id);
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

namespace {

// Opens spare/name and locks it; nullopt when another writer holds it or
// has taken it (the name is gone, or names another file now).
std::optional<TakenSpare> claim(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return std::nullopt;
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) return std::nullopt;
    // Locked: whoever had it before us has renamed it away, or has not taken it.
    struct stat held{}, named{};
    if (::fstat(fd.get(), &held) != 0 || ::stat(path.c_str(), &named) != 0) return std::nullopt;
    if (held.st_dev != named.st_dev || held.st_ino != named.st_ino || !S_ISREG(held.st_mode)) return std::nullopt;
    return TakenSpare{std::move(fd), path};
}

}  // namespace

std::optional<TakenSpare> take_spare(const std::string& queue_dir) {
    // One list per process, shared by its commit threads; several processes
    // may hold the same names, and the lock decides who gets a file.
    static std::mutex lock;
    static std::vector<std::string> names;
    static std::string listed_for;
    static std::chrono::steady_clock::time_point listed_empty{};
    bool relisted = false;  // once per call: spares all locked by other writers are not listed again and again
    for (int attempt = 0; attempt < 8; ++attempt) {
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
                if (relisted || now - listed_empty < kRelist) return std::nullopt;
                relisted = true;
                names = list_spares(queue_dir, kListBatch);
                if (names.empty()) {
                    listed_empty = now;
                    return std::nullopt;
                }
            }
            name = std::move(names.back());
            names.pop_back();
        }
        if (auto taken = claim(queue_path(queue_dir, kSpareFolder, name))) return taken;
    }
    return std::nullopt;
}

}  // namespace tern::queue
