// FileWatch: notices that a table's file was replaced or rewritten, so that a
// long-running daemon picks up `postmap` or `tern user add` without a restart.
// It compares device, inode, size and mtime (nanoseconds), and stats the file
// at most once per check interval (1 s) so lookups stay cheap.
#pragma once

#include <chrono>
#include <string>

#include <sys/stat.h>

namespace tern::maps {

// Interval between stat() calls of one watch. Tests set 0 to check every time.
void set_reload_check_interval(std::chrono::milliseconds interval);

class FileWatch {
public:
    FileWatch() = default;
    explicit FileWatch(std::string path) : path_(std::move(path)) {}

    // Records the file's current identity (call right after (re)reading it).
    // A file that cannot be stat'ed is recorded as absent.
    void remember();
    // True when the interval has passed and the file now differs from what was
    // recorded; the new identity is then recorded, so a reload that fails (a
    // malformed edit) is tried again only when the file changes again, not
    // every second. A file that vanished is not a change (keep the old data).
    bool changed();
    const std::string& path() const { return path_; }

private:
    struct Identity {
        bool exists = false;
        dev_t dev = 0;
        ino_t ino = 0;
        off_t size = 0;
        long long mtime_ns = 0;
        bool operator==(const Identity&) const = default;
    };
    static Identity stat_identity(const std::string& path);

    std::string path_;
    Identity id_;
    std::chrono::steady_clock::time_point last_check_{};
};

}  // namespace tern::maps
