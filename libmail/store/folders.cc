// Folder management on a Maildir++ root (see folders.h).
#include "libmail/store/folders.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "libmail/core/c_ptr.h"
#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/store/folder_names.h"
#include "libmail/store/mailbox.h"
#include "libmail/store/quota.h"

namespace tern::store {

namespace {

constexpr std::string_view kSubscriptionsName = "subscriptions";
constexpr std::size_t kMaxSubscriptions = 10'000;
constexpr std::size_t kMaxSubscriptionsBytes = kMaxSubscriptions * (kMaxFolderNameOctets + 1);

struct SpecialUse {
    std::string_view name, attribute;
};
constexpr SpecialUse kSpecialUse[] = {
    {"Sent", "\\Sent"}, {"Drafts", "\\Drafts"}, {"Trash", "\\Trash"}, {"Junk", "\\Junk"}, {"Archive", "\\Archive"},
};

bool is_dir(const std::string& path) {
    struct stat st{};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<std::string> folder_dir(const std::string& root, std::string_view name) {
    auto dir = to_maildir_dir(name);
    if (!dir) return dir.error();
    return root + "/" + *dir;
}

Result<void> make_maildir(const std::string& path) {
    for (const char* sub : {"", "/tmp", "/new", "/cur"})
        if (auto r = make_dirs(path + sub, 0700); !r) return r;
    return {};
}

bool is_below(std::string_view name, std::string_view parent) {
    return name.size() > parent.size() && name.substr(0, parent.size()) == parent && name[parent.size()] == '/';
}

Result<void> write_subscriptions(const std::string& root, const std::vector<std::string>& names) {
    std::string text;
    for (const auto& n : names) text += n + "\n";
    return write_file_atomic(root + "/" + std::string(kSubscriptionsName), text, 0600);
}

}  // namespace

std::string_view special_use_of(std::string_view name) {
    for (const auto& s : kSpecialUse)
        if (s.name == name) return s.attribute;
    return {};
}

Result<std::vector<FolderInfo>> folder_tree(const std::string& root) {
    auto names = Mailbox::list_folders(root);
    if (!names) return names.error();
    auto subs = subscriptions(root);
    if (!subs) return subs.error();
    const std::set<std::string> subscribed(subs->begin(), subs->end());
    std::set<std::string> all(names->begin() + 1, names->end());  // without INBOX
    const std::set<std::string> real = all;
    for (const auto& n : real)
        for (auto p = parent_folder(n); !p.empty(); p = parent_folder(p)) all.emplace(p);

    std::vector<FolderInfo> out;
    out.reserve(all.size() + 1);
    FolderInfo inbox{"INBOX", true, false, subscribed.count("INBOX") > 0, {}};
    out.push_back(inbox);
    for (const auto& n : all) {
        const auto slash = n.find('/');
        if (slash != std::string::npos && is_inbox(std::string_view(n).substr(0, slash))) out.front().has_children = true;
        if (is_inbox(n)) continue;  // the parent of "INBOX/x" is INBOX itself
        FolderInfo f;
        f.name = n;
        f.exists = real.count(n) > 0;
        auto next = all.upper_bound(n);
        f.has_children = next != all.end() && is_below(*next, n);
        f.subscribed = subscribed.count(n) > 0;
        f.special_use = special_use_of(n);
        out.push_back(std::move(f));
    }
    return out;
}

bool folder_exists(const std::string& root, std::string_view name, std::string& canonical) {
    if (is_inbox(name)) {
        canonical = "INBOX";
        return true;
    }
    auto dir = folder_dir(root, name);
    if (!dir || !is_dir(*dir + "/cur")) return false;
    canonical = std::string(name);
    return true;
}

Result<void> create_folder(const std::string& root, std::string_view name) {
    if (is_inbox(name)) return Error(EEXIST, "INBOX always exists");
    auto dir = folder_dir(root, name);
    if (!dir) return dir.error();
    if (is_dir(*dir + "/cur")) return Error(EEXIST, std::string(name) + ": mailbox exists");
    for (auto p = parent_folder(name); !p.empty() && !is_inbox(p); p = parent_folder(p)) {
        auto pdir = folder_dir(root, p);
        if (!pdir) return pdir.error();
        if (auto r = make_maildir(*pdir); !r) return r;
    }
    if (auto r = make_maildir(root); !r) return r;
    return make_maildir(*dir);
}

Result<void> delete_folder(const std::string& root, std::string_view name) {
    if (is_inbox(name)) return Error(EINVAL, "INBOX cannot be deleted");
    auto dir = folder_dir(root, name);
    if (!dir) return dir.error();
    if (!is_dir(*dir + "/cur")) return Error(ENOENT, std::string(name) + ": no such mailbox");
    // Out of sight first ("..": never a folder name), then removed: a crash
    // half-way leaves no half-deleted folder behind for clients to see.
    const std::string doomed = root + "/..deleted-" + unique_maildir_name();
    if (::rename(dir->c_str(), doomed.c_str()) != 0) return sys_error("rename", *dir);
    quota_forget(root);  // its messages no longer count; recounted at the next check
    std::error_code ec;
    std::filesystem::remove_all(doomed, ec);
    if (ec) log::warning("%s: not fully removed: %s", doomed.c_str(), ec.message().c_str());
    return fsync_dir(root);
}

namespace {

// RENAME INBOX: its messages move into the new folder; INBOX stays, empty.
Result<void> rename_inbox(const std::string& root, std::string_view to) {
    if (auto r = create_folder(root, to); !r) return r;
    auto target = folder_dir(root, to);
    if (!target) return target.error();
    for (const char* sub : {"/cur/", "/new/"}) {
        CPtr<DIR, closedir> d(::opendir((root + sub).c_str()));
        if (!d) return sys_error("opendir", root + sub);
        while (dirent* e = ::readdir(d.get())) {
            const std::string n = e->d_name;
            if (n.empty() || n.front() == '.') continue;
            if (::rename((root + sub + n).c_str(), (*target + sub + n).c_str()) != 0 && errno != ENOENT)
                return sys_error("rename", root + sub + n);
        }
    }
    if (auto r = fsync_dir(*target + "/cur"); !r) return r;
    if (auto r = fsync_dir(*target + "/new"); !r) return r;
    if (auto r = fsync_dir(root + "/cur"); !r) return r;
    return fsync_dir(root + "/new");
}

}  // namespace

Result<void> rename_folder(const std::string& root, std::string_view from, std::string_view to) {
    if (auto r = check_folder_name(to); !r) return r;
    if (is_inbox(to)) return Error(EEXIST, "INBOX always exists");
    if (is_inbox(from)) return rename_inbox(root, to);
    if (from == to || is_below(to, from)) return Error(EINVAL, "cannot rename a mailbox into itself");
    auto names = Mailbox::list_folders(root);
    if (!names) return names.error();
    std::vector<std::string> moving;  // from and the folders below it
    for (const auto& n : *names)
        if (n == from || is_below(n, from)) moving.push_back(n);
    if (std::find(moving.begin(), moving.end(), std::string(from)) == moving.end())
        return Error(ENOENT, std::string(from) + ": no such mailbox");
    std::vector<std::pair<std::string, std::string>> dirs;
    for (const auto& n : moving) {
        const std::string new_name = std::string(to) + n.substr(from.size());
        auto src = folder_dir(root, n);
        auto dst = folder_dir(root, new_name);
        if (!src) return src.error();
        if (!dst) return dst.error();
        if (is_dir(*dst)) return Error(EEXIST, new_name + ": mailbox exists");
        dirs.emplace_back(*src, *dst);
    }
    for (auto p = parent_folder(to); !p.empty() && !is_inbox(p); p = parent_folder(p)) {
        auto pdir = folder_dir(root, p);
        if (!pdir) return pdir.error();
        if (auto r = make_maildir(*pdir); !r) return r;
    }
    for (const auto& [src, dst] : dirs)
        if (::rename(src.c_str(), dst.c_str()) != 0) return sys_error("rename", src);
    if (auto r = fsync_dir(root); !r) return r;
    // Subscriptions follow the folders (as Dovecot does).
    auto subs = subscriptions(root);
    if (!subs) return subs.error();
    bool changed = false;
    for (auto& s : *subs) {
        if (s == from || is_below(s, from)) {
            s = std::string(to) + s.substr(from.size());
            changed = true;
        }
    }
    return changed ? write_subscriptions(root, *subs) : Result<void>{};
}

Result<std::vector<std::string>> subscriptions(const std::string& root) {
    std::vector<std::string> out;
    auto text = read_file(root + "/" + std::string(kSubscriptionsName), kMaxSubscriptionsBytes);
    if (!text) {
        if (text.error().code == ENOENT) return out;
        return text.error();
    }
    std::set<std::string> seen;
    std::string_view rest = *text;
    while (!rest.empty() && out.size() < kMaxSubscriptions) {
        const auto nl = rest.find('\n');
        const std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        if (line.empty() || (!is_inbox(line) && !check_folder_name(line))) continue;
        const std::string name = is_inbox(line) ? "INBOX" : std::string(line);
        if (seen.insert(name).second) out.push_back(name);
    }
    return out;
}

Result<void> set_subscribed(const std::string& root, std::string_view name, bool on) {
    if (!is_inbox(name))
        if (auto r = check_folder_name(name); !r) return r;
    const std::string n = is_inbox(name) ? "INBOX" : std::string(name);
    auto subs = subscriptions(root);
    if (!subs) return subs.error();
    const auto it = std::find(subs->begin(), subs->end(), n);
    if (on == (it != subs->end())) return {};
    if (on) {
        if (subs->size() >= kMaxSubscriptions)
            return Error(ENOSPC, "more than " + std::to_string(kMaxSubscriptions) + " subscriptions");
        subs->push_back(n);
    } else {
        subs->erase(it);
    }
    if (auto r = make_maildir(root); !r) return r;
    return write_subscriptions(root, *subs);
}

Result<void> ensure_default_folders(const std::string& root) {
    struct stat st{};
    if (::stat((root + "/" + std::string(kSubscriptionsName)).c_str(), &st) == 0) return {};
    if (errno != ENOENT) return sys_error("stat", root + "/" + std::string(kSubscriptionsName));
    if (auto r = make_maildir(root); !r) return r;
    std::vector<std::string> subs{"INBOX"};
    for (const auto& s : kSpecialUse) {
        if (auto r = create_folder(root, s.name); !r && r.error().code != EEXIST) return r;
        subs.emplace_back(s.name);
    }
    return write_subscriptions(root, subs);
}

}  // namespace tern::store
