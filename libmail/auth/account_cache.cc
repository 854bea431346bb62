#include "libmail/auth/account_cache.h"

#include <sys/stat.h>

namespace tern::auth {

bool AccountCache::FileId::operator==(const FileId& o) const {
    return dev == o.dev && ino == o.ino && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
           mtime.tv_nsec == o.mtime.tv_nsec && ctime.tv_sec == o.ctime.tv_sec && ctime.tv_nsec == o.ctime.tv_nsec;
}

std::optional<AccountCache::FileId> AccountCache::identify() const {
    if (users_file_.empty()) return std::nullopt;
    struct stat st{};
    if (::stat(users_file_.c_str(), &st) != 0) return std::nullopt;
    return FileId{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
}

const AccountVerdict* AccountCache::find(const std::string& user, const FileId& now) const {
    auto it = entries_.find(user);
    if (it == entries_.end() || !(it->second.file == now)) return nullptr;
    return &it->second.verdict;
}

void AccountCache::remember(const std::string& user, const FileId& asked_at, const AccountVerdict& v) {
    if (v.kind == AccountVerdict::Kind::TempFail) return;
    if (entries_.size() >= kMaxEntries && !entries_.count(user)) entries_.clear();
    entries_[user] = Entry{asked_at, v};
}

}  // namespace tern::auth
