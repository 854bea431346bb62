#include "libmail/core/dir_sync.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "libmail/core/unique_fd.h"

namespace tern {

namespace {

// The fsync rounds of one directory.
struct Rounds {
    std::mutex lock;
    std::condition_variable finished_one;
    std::condition_variable gather_timer;  // the gathering leader's wait: a caller came
    std::uint64_t started = 0, finished = 0;
    // errno (0: success) of the latest rounds, by round number modulo their count.
    std::array<std::pair<std::uint64_t, int>, 64> results{};
    bool running = false;    // round `started` is fsyncing
    bool gathering = false;  // a leader waits before it starts round `started + 1`
    std::chrono::steady_clock::time_point last_start{};
    std::uint64_t arrived = 0;     // callers so far; those since the last start are in the next round
    std::uint64_t arrived_at_start = 0;
    std::uint64_t last_size = 0;   // callers the last round served
};

constexpr std::size_t kMaxDirectories = 256;  // beyond that, a plain fsync each
// A round gathers only while the directory is busy: the round before it
// served several callers and began less than this many windows ago. A lone
// caller, even one calling again and again, never waits.
constexpr int kBusyWindows = 8;

std::atomic<std::uint64_t> calls{0}, fsyncs{0}, gathered{0};

Rounds* rounds_for(const struct stat& st) {
    static std::mutex lock;
    static std::map<std::pair<dev_t, ino_t>, std::unique_ptr<Rounds>> all;
    std::lock_guard<std::mutex> held(lock);
    const auto key = std::make_pair(st.st_dev, st.st_ino);
    auto it = all.find(key);
    if (it != all.end()) return it->second.get();
    if (all.size() >= kMaxDirectories) return nullptr;
    return all.emplace(key, std::make_unique<Rounds>()).first->second.get();
}

int sync_fd(int fd) {
    ++fsyncs;
    return ::fsync(fd) == 0 ? 0 : errno;
}

}  // namespace

Result<void> fsync_dir_grouped(const std::string& dir, std::chrono::microseconds gather) {
    ++calls;
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return sys_error("open", dir);
    struct stat st{};
    Rounds* r = ::fstat(fd.get(), &st) == 0 ? rounds_for(st) : nullptr;
    int result = 0;
    if (!r) {
        result = sync_fd(fd.get());
    } else {
        std::unique_lock<std::mutex> held(r->lock);
        // A round under way may have begun before our rename: ours is the next
        // (the one a gathering leader is about to begin).
        const std::uint64_t need = r->started + 1;
        ++r->arrived;
        if (r->gathering) r->gather_timer.notify_one();  // the leader may have all it expects now
        while (r->finished < need) {
            if (r->running || r->gathering) {
                r->finished_one.wait(held);
                continue;
            }
            const auto now = std::chrono::steady_clock::now();
            if (gather.count() > 0 && r->last_size > 1 && now - r->last_start < kBusyWindows * gather) {
                ++gathered;
                r->gathering = true;
                // Until the window ends, or as many callers as the last round served have come:
                // when no more can come (qmgr's concurrency limit, say), nobody waits for them.
                const auto until = now + gather;
                while (r->arrived - r->arrived_at_start < r->last_size && std::chrono::steady_clock::now() < until)
                    r->gather_timer.wait_until(held, until);
                r->gathering = false;
            }
            r->last_start = std::chrono::steady_clock::now();
            r->last_size = r->arrived - r->arrived_at_start;
            r->arrived_at_start = r->arrived;
            r->running = true;
            const std::uint64_t round = ++r->started;
            held.unlock();
            const int e = sync_fd(fd.get());
            held.lock();
            r->running = false;
            r->finished = round;
            r->results[round % r->results.size()] = {round, e};
            r->finished_one.notify_all();
        }
        const auto [round, e] = r->results[need % r->results.size()];
        held.unlock();
        // Any round from `need` on covers us; its result is ours unless long gone from the table.
        result = round == need ? e : sync_fd(fd.get());
    }
    if (result != 0) return Error(result, "fsync " + dir + ": " + std::strerror(result));
    return {};
}

DirSyncCounts dir_sync_counts() { return {calls.load(), fsyncs.load(), gathered.load()}; }

}  // namespace tern
