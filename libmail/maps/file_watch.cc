#include "libmail/maps/file_watch.h"

#include <atomic>

namespace tern::maps {

namespace {
std::atomic<long long> g_interval_ms{1000};
}

void set_reload_check_interval(std::chrono::milliseconds interval) {
    g_interval_ms.store(interval.count());
}

FileWatch::Identity FileWatch::stat_identity(const std::string& path) {
    struct stat st {};
    Identity id;
    if (::stat(path.c_str(), &st) != 0) return id;
    id.exists = true;
    id.dev = st.st_dev;
    id.ino = st.st_ino;
    id.size = st.st_size;
    id.mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000LL + st.st_mtim.tv_nsec;
    return id;
}

void FileWatch::remember() {
    id_ = stat_identity(path_);
    last_check_ = std::chrono::steady_clock::now();
}

bool FileWatch::changed() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_check_ < std::chrono::milliseconds(g_interval_ms.load())) return false;
    last_check_ = now;
    const Identity now_id = stat_identity(path_);
    // A file that vanished is not a change to act on: postmap replaces by
    // rename, so absence is a transient state or an admin mistake; keep serving
    // the version we have.
    if (!now_id.exists || now_id == id_) return false;
    id_ = now_id;
    return true;
}

}  // namespace tern::maps
