#include "libmail/store/parse_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::store {

namespace {

constexpr std::string_view kFileName = "tern-cache";
constexpr std::uint32_t kMaxValue = 1 << 20;              // one envelope or structure
constexpr std::uint64_t kMaxFile = 512ULL * 1024 * 1024;  // past this nothing more is added
constexpr std::uint64_t kCompactAbove = 1 << 20;          // small files are never rewritten
constexpr std::size_t kWindow = 1 << 17;                  // read-ahead of get()

std::string header(std::uint32_t uidvalidity) { return "tern-cache 1 " + std::to_string(uidvalidity) + "\n"; }

bool pread_all(int fd, char* buf, std::size_t n, std::uint64_t off) {
    while (n > 0) {
        const ssize_t r = ::pread(fd, buf, n, static_cast<off_t>(off));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        buf += r;
        n -= static_cast<std::size_t>(r);
        off += static_cast<std::uint64_t>(r);
    }
    return true;
}

}  // namespace

ParseCache::ParseCache(const std::string& folder_path, std::uint32_t uidvalidity,
                       const std::vector<std::uint32_t>& live_uids)
    : path_(folder_path + "/" + std::string(kFileName)), uidvalidity_(uidvalidity) {
    fd_.reset(::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd_) {
        log::warning("%s", sys_error("open", path_).message.c_str());
        return;
    }
    const std::string want = header(uidvalidity);
    std::string have(want.size(), '\0');
    if (!pread_all(fd_.get(), have.data(), have.size(), 0) || have != want) {
        // New, or from another UIDVALIDITY: start over (under the lock, once).
        ::flock(fd_.get(), LOCK_EX);
        if (!pread_all(fd_.get(), have.data(), have.size(), 0) || have != want) {
            if (::ftruncate(fd_.get(), 0) != 0 || !write_all(fd_.get(), want)) {
                ::flock(fd_.get(), LOCK_UN);
                fd_.reset();
                return;
            }
        }
        ::flock(fd_.get(), LOCK_UN);
    }
    usable_ = true;
    scanned_ = want.size();
    struct stat st{};
    if (::fstat(fd_.get(), &st) == 0) ino_ = static_cast<std::uint64_t>(st.st_ino);
    read_new_records();
    compact(live_uids);
    release();  // an idle session holds no file open
}

void ParseCache::read_new_records() {
    if (!reopen()) return;
    struct stat st{};
    if (::fstat(fd_.get(), &st) != 0) return;
    const auto size = static_cast<std::uint64_t>(st.st_size);
    // Read in large blocks: a FETCH of a big folder scans many records.
    std::string block;
    std::uint64_t block_at = 0;
    while (scanned_ < size) {
        if (scanned_ < block_at || scanned_ + 32 > block_at + block.size()) {
            block_at = scanned_;
            block.resize(static_cast<std::size_t>(std::min<std::uint64_t>(1 << 16, size - scanned_)));
            if (!pread_all(fd_.get(), block.data(), block.size(), block_at)) return;
        }
        // "<uid> <field> <length>\n": at most 10 + 1 + 1 + 1 + 7 + 1 bytes.
        const std::string_view line = std::string_view(block).substr(scanned_ - block_at, 32);
        const auto nl = line.find('\n');
        if (nl == std::string_view::npos) return;  // torn or still being written
        std::string_view rest = line.substr(0, nl);
        const auto sp1 = rest.find(' ');
        const auto sp2 = sp1 == std::string_view::npos ? sp1 : rest.find(' ', sp1 + 1);
        if (sp2 != sp1 + 2) return;
        auto uid = parse_number<std::uint32_t>(rest.substr(0, sp1));
        auto len = parse_number<std::uint32_t>(rest.substr(sp2 + 1));
        if (!uid || !len || *len > kMaxValue) return;  // damaged: the rest is ignored
        const std::uint64_t value_at = scanned_ + nl + 1;
        if (value_at + *len + 1 > size) return;
        remember(key_of(*uid, rest[sp1 + 1]), value_at, *len);
        scanned_ = value_at + *len + 1;
    }
}

void ParseCache::remember(std::uint64_t key, std::uint64_t offset, std::uint32_t length) {
    if (where_.empty() || where_.back().key < key) {
        where_.push_back({key, offset, length});
        return;
    }
    auto it = std::lower_bound(where_.begin(), where_.end(), key, [](const Entry& e, std::uint64_t k) { return e.key < k; });
    if (it != where_.end() && it->key == key) {
        it->offset = offset;  // a later record wins
        it->length = length;
    } else {
        where_.insert(it, {key, offset, length});
    }
}

const ParseCache::Entry* ParseCache::lookup(std::uint64_t key) const {
    auto it = std::lower_bound(where_.begin(), where_.end(), key, [](const Entry& e, std::uint64_t k) { return e.key < k; });
    return it != where_.end() && it->key == key ? &*it : nullptr;
}

bool ParseCache::reopen() {
    if (fd_) return true;
    if (!usable_) return false;
    fd_.reset(::open(path_.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW));
    if (fd_ && start_over_if_replaced()) return true;
    fd_.reset();
    return false;
}

bool ParseCache::start_over_if_replaced() {
    struct stat st{};
    if (::fstat(fd_.get(), &st) != 0) return false;
    if (static_cast<std::uint64_t>(st.st_ino) == ino_) return true;
    // Our offsets describe the old file: read the new one from its start.
    where_.clear();
    window_.clear();
    ino_ = static_cast<std::uint64_t>(st.st_ino);
    const std::string want = header(uidvalidity_);
    std::string have(want.size(), '\0');
    if (!pread_all(fd_.get(), have.data(), have.size(), 0) || have != want) {
        usable_ = false;  // another UIDVALIDITY's now: this session does without
        return false;
    }
    scanned_ = want.size();
    read_new_records();
    return true;
}

void ParseCache::release() {
    fd_.reset();
    std::string().swap(window_);
}

std::optional<std::string> ParseCache::get(std::uint32_t uid, char field) {
    if (!reopen()) return std::nullopt;
    const std::uint64_t key = key_of(uid, field);
    const Entry* e = lookup(key);
    if (!e) {
        read_new_records();
        e = lookup(key);
        if (!e) return std::nullopt;
    }
    if (e->offset < window_at_ || e->offset + e->length > window_at_ + window_.size()) {
        // Values up to scanned_ are complete, so the window never reads past the file's end.
        window_at_ = e->offset;
        window_.resize(static_cast<std::size_t>(std::max<std::uint64_t>(e->length, std::min<std::uint64_t>(kWindow, scanned_ - e->offset))));
        if (!pread_all(fd_.get(), window_.data(), window_.size(), window_at_)) {
            window_.clear();
            return std::nullopt;
        }
    }
    return std::string(window_.data() + (e->offset - window_at_), e->length);
}

void ParseCache::put(std::uint32_t uid, char field, std::string_view value) {
    if (value.size() > kMaxValue || scanned_ > kMaxFile || !reopen()) return;
    std::string record = std::to_string(uid) + " " + field + " " + std::to_string(value.size()) + "\n";
    record += value;
    record += '\n';
    // One write: with O_APPEND the kernel keeps it whole next to other writers'.
    if (::write(fd_.get(), record.data(), record.size()) != static_cast<ssize_t>(record.size())) return;
    read_new_records();
}

void ParseCache::compact(const std::vector<std::uint32_t>& live_uids) {
    if (!fd_ || scanned_ < kCompactAbove) return;
    // Both ascending: one walk, not a search per entry.
    std::uint64_t live = 0, dead = 0;
    auto l = live_uids.begin();
    for (const auto& e : where_) {
        const auto uid = static_cast<std::uint32_t>(e.key >> 8);
        while (l != live_uids.end() && *l < uid) ++l;
        (l != live_uids.end() && *l == uid ? live : dead) += e.length + 16;
    }
    if (dead <= live) return;
    if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) return;  // another process is at it
    std::string text = header(uidvalidity_);
    for (const auto& e : where_) {
        const auto uid = static_cast<std::uint32_t>(e.key >> 8);
        if (!std::binary_search(live_uids.begin(), live_uids.end(), uid)) continue;
        std::string value(e.length, '\0');
        if (!pread_all(fd_.get(), value.data(), value.size(), e.offset)) continue;
        text += std::to_string(uid) + " " + static_cast<char>(e.key & 0xff) + " " + std::to_string(value.size()) + "\n" + value + "\n";
    }
    // Records another process appends meanwhile may be lost: only a cache.
    if (write_file_atomic(path_, text, 0600)) {
        fd_.reset(::open(path_.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW));
        where_.clear();
        window_.clear();
        scanned_ = header(uidvalidity_).size();
        struct stat st{};
        if (fd_ && ::fstat(fd_.get(), &st) == 0) ino_ = static_cast<std::uint64_t>(st.st_ino);
        read_new_records();
    } else {
        ::flock(fd_.get(), LOCK_UN);
    }
}

}  // namespace tern::store
