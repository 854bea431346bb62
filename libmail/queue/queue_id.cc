#include "libmail/queue/queue_id.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace tern::queue {

namespace {

constexpr char kDigits[] = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjkmnpqrstvwxyz";  // no vowels: no words
constexpr std::uint64_t kBase = sizeof kDigits - 1;

void append_base(std::string& out, std::uint64_t v, int min_width) {
    char buf[24];
    int n = 0;
    do {
        buf[n++] = kDigits[v % kBase];
        v /= kBase;
    } while (v && n < 24);
    while (n < min_width) buf[n++] = kDigits[0];
    while (n) out += buf[--n];
}

}  // namespace

std::string new_queue_id() {
    // Seconds and microseconds make IDs sort roughly by arrival; pid and a
    // per-process counter make them unique across processes and within one.
    static std::atomic<std::uint32_t> counter{0};
    timeval tv{};
    ::gettimeofday(&tv, nullptr);
    std::string id;
    append_base(id, static_cast<std::uint64_t>(tv.tv_sec), 6);
    append_base(id, static_cast<std::uint64_t>(tv.tv_usec), 4);
    append_base(id, static_cast<std::uint64_t>(::getpid()), 4);
    append_base(id, counter.fetch_add(1) % (kBase * kBase * kBase), 3);
    return id;
}

bool is_queue_id(std::string_view name) {
    if (name.empty() || name.size() > kMaxQueueIdLength) return false;
    for (char c : name)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
    return true;
}

}  // namespace tern::queue
