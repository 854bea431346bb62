// Mailbox: one Maildir folder and its index (see mailbox.h and mailbox_index.h).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "libmail/core/c_ptr.h"
#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/store/folder_names.h"
#include "libmail/store/mailbox.h"
#include "libmail/store/mailbox_index.h"
#include "libmail/store/quota.h"

namespace tern::store {

namespace {

using DirPtr = CPtr<DIR, closedir>;

// A folder with more entries than this in new/ or cur/ is read only this far.
constexpr std::size_t kMaxDirEntries = kMaxFolderMessages;
constexpr std::size_t kMaxFolders = 10'000;
// Directory mtimes younger than this are not trusted to detect the next change
// (two changes within one timestamp tick would look like one). File systems
// with nanosecond stamps tick every few milliseconds; others every second.
std::int64_t mtime_slack_ns(const struct stat& st) {
    return st.st_mtim.tv_nsec != 0 ? 100'000'000 : 2'000'000'000;
}

std::int64_t mtime_ns(const struct stat& st) {
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::int64_t now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The entry names of dir (no "." or ".."), at most kMaxDirEntries.
Result<std::vector<std::string>> list_dir(const std::string& dir) {
    DirPtr d(::opendir(dir.c_str()));
    if (!d) return sys_error("opendir", dir);
    std::vector<std::string> names;
    errno = 0;
    while (dirent* e = ::readdir(d.get())) {
        const std::string_view n(e->d_name);
        if (n == "." || n == "..") continue;
        if (names.size() >= kMaxDirEntries) {
            log::warning("%s: more than %zu entries; the rest are ignored", dir.c_str(), kMaxDirEntries);
            break;
        }
        names.emplace_back(n);
        errno = 0;
    }
    if (errno != 0) return sys_error("readdir", dir);
    return names;
}

std::string index_path(const std::string& folder) { return folder + "/" + std::string(kIndexName); }

enum class IndexStatus { Ok, Missing, Corrupt };

struct LoadedIndex {
    IndexState st;
    IndexStatus status = IndexStatus::Missing;
    std::string why;                 // for Corrupt
    std::uint32_t old_uidvalidity = 0;  // for Corrupt, when still readable
};

// Reads the index. A missing or malformed one is a status, not an error (the
// caller rebuilds it); an error is a file that cannot be read (EACCES, EIO),
// which must not cost the user their UIDs.
// The whole index file, read at its size in one go (a 100,000-message index
// is ~10 MB: reading it in small chunks into a growing string costs more).
Result<std::string> read_index_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_error("open", path);
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) return sys_error("fstat", path);
    std::string out;
    // One byte more than the size, to see the end (or a file grown meanwhile) in the same loop.
    out.resize(std::min<std::size_t>(static_cast<std::size_t>(st.st_size), kMaxIndexBytes) + 1);
    std::size_t have = 0;
    for (;;) {
        if (have == out.size()) {
            if (out.size() > kMaxIndexBytes)
                return Error(EFBIG, path + ": file is larger than " + std::to_string(kMaxIndexBytes) + " bytes");
            out.resize(std::min(out.size() * 2, kMaxIndexBytes + 1));
        }
        const ssize_t n = ::read(fd.get(), out.data() + have, out.size() - have);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("read", path);
        }
        if (n == 0) break;
        have += static_cast<std::size_t>(n);
    }
    if (have > kMaxIndexBytes)
        return Error(EFBIG, path + ": file is larger than " + std::to_string(kMaxIndexBytes) + " bytes");
    out.resize(have);
    return out;
}

Result<LoadedIndex> load_index(const std::string& folder) {
    LoadedIndex out;
    auto text = read_index_file(index_path(folder));
    if (!text) {
        if (text.error().code == ENOENT) return out;
        if (text.error().code != EFBIG) return text.error();
        out.status = IndexStatus::Corrupt;
        out.why = "too large";
        return out;
    }
    auto st = parse_index(*text);
    if (!st) {
        out.status = IndexStatus::Corrupt;
        out.why = st.error().message;
        out.old_uidvalidity = salvage_uidvalidity(*text);
        return out;
    }
    out.st = std::move(*st);
    out.status = IndexStatus::Ok;
    return out;
}

// A new UIDVALIDITY: the time, and always above one this folder had before,
// so that a client holding the old value sees the change (RFC 9051 2.3.1.1).
std::uint32_t new_uidvalidity(std::uint32_t previous) {
    auto t = static_cast<std::uint32_t>(::time(nullptr));
    if (t <= previous) t = previous + 1;
    return t == 0 ? 1 : t;
}

struct FoundFile {
    std::string base;
    std::string flags;  // normalized
    std::string name;   // where it is now, relative to the folder: "new/..." or "cur/..."
};

// Lists new/ and cur/ by base name. Renames done by MUAs behind our back are
// simply what we find; files we cannot index are skipped. Files in cur/ are
// renamed to the canonical "<base>:2,<sorted flags>" so the index can rebuild
// their names from base and flags; files in new/ are moved by the caller.
Result<std::unordered_map<std::string, FoundFile>> scan_folder(const std::string& path) {
    std::unordered_map<std::string, FoundFile> found;
    const std::string cur_dir = path + "/cur/";
    auto names = list_dir(cur_dir);
    if (!names) return names.error();
    found.reserve(names->size());
    for (auto& n : *names) {
        if (!acceptable_message_name(n)) continue;
        const auto parts = split_maildir_name(n);
        if (parts.base.empty() || parts.base.find(':') != std::string_view::npos) {
            log::warning("%s: skipping file with an unusable name", cur_dir.c_str());
            continue;
        }
        FoundFile f{std::string(parts.base), normalize_flags(parts.flags), "cur/" + n};
        const std::string canonical = f.base + ":2," + f.flags;
        if (canonical != n) {
            if (::rename((cur_dir + n).c_str(), (cur_dir + canonical).c_str()) != 0) {
                if (errno != ENOENT) log::warning("%s", sys_error("rename", cur_dir + n).message.c_str());
                continue;
            }
            f.name = "cur/" + canonical;
        }
        auto [it, inserted] = found.try_emplace(f.base, std::move(f));
        if (!inserted)
            log::warning("%s: two files for message %s; using one", cur_dir.c_str(), printable(it->first).c_str());
    }
    auto fresh = list_dir(path + "/new");
    if (!fresh) return fresh.error();
    for (auto& n : *fresh) {
        if (!acceptable_message_name(n)) continue;
        const auto parts = split_maildir_name(n);
        if (parts.base.empty() || parts.base.find(':') != std::string_view::npos) continue;
        FoundFile f{std::string(parts.base), normalize_flags(parts.flags), "new/" + n};
        if (!found.try_emplace(f.base, std::move(f)).second)
            log::warning("%s: message %s is in new/ and cur/; using cur/", path.c_str(), printable(parts.base).c_str());
    }
    return found;
}

// Renames a found file to its place in cur/ (target is "cur/..."); false
// when it vanished meanwhile or cannot be moved (logged).
bool move_into_place(const std::string& path, const FoundFile& f, const std::string& target) {
    if (f.name == target) return true;
    if (::rename((path + "/" + f.name).c_str(), (path + "/" + target).c_str()) == 0) return true;
    if (errno != ENOENT) log::warning("%s", sys_error("rename", path + "/" + f.name).message.c_str());
    return false;
}

// The current name in cur/ of the message with this base name (after a
// rename by another process or an MUA), or ENOENT.
Result<std::string> find_by_base(const std::string& path, std::string_view base) {
    auto names = list_dir(path + "/cur");
    if (!names) return names.error();
    for (auto& n : *names)
        if (split_maildir_name(n).base == base) return "cur/" + n;
    return Error(ENOENT, path + "/cur: message " + printable(base) + " is gone");
}

// Opens path/filename, following a rename of the same message.
Result<UniqueFd> open_following(const std::string& path, const MessageInfo& m) {
    UniqueFd fd(::open((path + "/" + m.filename).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd) return fd;
    if (errno != ENOENT) return sys_error("open", path + "/" + m.filename);
    auto now = find_by_base(path, split_maildir_name(std::string_view(m.filename).substr(4)).base);
    if (!now) return now.error();
    fd.reset(::open((path + "/" + *now).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return sys_error("open", path + "/" + *now);
    return fd;
}

// Index entry for a file found in cur/ that has no UID yet.
struct NewMessage {
    DeliveryTime when;
    MessageInfo info;
    const FoundFile* file = nullptr;
    std::uint32_t named_uid = 0;  // the ",U=" of its name, 0 if none
};

Result<NewMessage> describe_new(const std::string& path, const FoundFile& f) {
    NewMessage nm;
    nm.file = &f;
    if (auto u = name_size_field(f.base, 'U'); u && *u > 0 && *u < UINT32_MAX) nm.named_uid = static_cast<std::uint32_t>(*u);
    nm.info.flags = f.flags;
    nm.info.filename = cur_filename(f.base, f.flags);
    auto t = name_delivery_time(f.base);
    auto w = name_size_field(f.base, 'W');
    if (!t || !w) {
        const std::string file = path + "/" + f.name;
        UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!fd) return sys_error("open", file);
        struct stat st{};
        if (::fstat(fd.get(), &st) != 0) return sys_error("fstat", file);
        if (!t) t = DeliveryTime{st.st_mtim.tv_sec, st.st_mtim.tv_nsec / 1000};
        if (!w) {
            auto size = crlf_size_of_file(fd.get());
            if (!size) return Error(size.error().code, file + ": " + size.error().message);
            w = *size;
        }
    }
    nm.when = *t;
    nm.info.internal_date = t->sec;
    nm.info.size = *w;
    return nm;
}

Result<void> make_maildir(const std::string& path) {
    for (const char* sub : {"", "/tmp", "/new", "/cur"})
        if (auto r = make_dirs(path + sub, 0700); !r) return r;
    return {};
}

}  // namespace

// ---- Mailbox -----------------------------------------------------------------

Result<Mailbox> Mailbox::open(const std::string& maildir_root, const std::string& folder) {
    Mailbox mb;
    mb.root_ = maildir_root;
    if (iequals(folder, "INBOX")) {
        mb.folder_ = "INBOX";
        mb.path_ = maildir_root;
    } else {
        auto dir = to_maildir_dir(folder);
        if (!dir) return Error(EINVAL, printable(folder) + ": " + dir.error().message);
        mb.folder_ = folder;
        mb.path_ = maildir_root + "/" + *dir;
    }
    while (mb.path_.size() > 1 && mb.path_.back() == '/') mb.path_.pop_back();
    if (auto r = make_maildir(mb.path_); !r) return r.error();
    return mb;
}

Result<void> Mailbox::sync() {
    auto lock = IndexLock::acquire(path_);
    if (!lock) return lock.error();
    return sync_locked(*lock);
}

Result<void> Mailbox::sync_locked(IndexLock& lock) {
    // Skip the scan when neither directory nor the index changed since our
    // last sync (and the mtimes we saw were old enough to be trusted).
    struct stat new_st{}, cur_st{}, idx_st{};
    if (::stat((path_ + "/new").c_str(), &new_st) != 0) return sys_error("stat", path_ + "/new");
    if (::stat((path_ + "/cur").c_str(), &cur_st) != 0) return sys_error("stat", path_ + "/cur");
    const bool have_index = ::stat(index_path(path_).c_str(), &idx_st) == 0;
    if (seen_.valid && have_index && seen_.new_mtime_ns == mtime_ns(new_st) &&
        seen_.cur_mtime_ns == mtime_ns(cur_st) && seen_.index_mtime_ns == mtime_ns(idx_st) &&
        seen_.index_ino == idx_st.st_ino && seen_.index_size == static_cast<std::uint64_t>(idx_st.st_size))
        return {};
    seen_.valid = false;
    const std::int64_t scan_start = now_ns();

    auto loaded = load_index(path_);
    if (!loaded) return loaded.error();
    IndexState st = std::move(loaded->st);
    const IndexLock::State recorded = lock.state();

    // The index describes the folder as its writer last saw the directories;
    // while they are unchanged since, it is the truth and nothing is scanned
    // (a SELECT of a large folder reads one file, not the folder).
    if (loaded->status == IndexStatus::Ok && st.new_mtime_ns != 0 && st.new_mtime_ns == mtime_ns(new_st) &&
        st.cur_mtime_ns == mtime_ns(cur_st) && recorded.uidvalidity == st.uidvalidity &&
        recorded.uidnext <= st.uidnext && recorded.highestmodseq <= st.highestmodseq) {
        uidvalidity_ = st.uidvalidity;
        uidnext_ = st.uidnext;
        highestmodseq_ = st.highestmodseq;
        messages_ = std::move(st.messages);
        dirs_new_ns_ = st.new_mtime_ns;
        dirs_cur_ns_ = st.cur_mtime_ns;
        if (have_index)
            seen_ = Seen{true, mtime_ns(new_st), mtime_ns(cur_st), mtime_ns(idx_st),
                         static_cast<std::uint64_t>(idx_st.st_ino), static_cast<std::uint64_t>(idx_st.st_size)};
        return {};
    }
    bool changed = false;
    auto found = scan_folder(path_);
    if (!found) return found.error();

    const bool rebuilt = loaded->status != IndexStatus::Ok;
    if (rebuilt) {
        st = IndexState{};
        // The lock file's record keeps UIDVALIDITY and UIDNEXT when the index
        // is lost; UIDs recorded in the file names are kept below. Without a
        // record of UIDNEXT (a folder from before it was kept) reusing the
        // UIDVALIDITY could give an old UID to another message: take a new one.
        if (recorded.uidvalidity != 0 && recorded.uidnext != 0) {
            st.uidvalidity = recorded.uidvalidity;
            st.uidnext = recorded.uidnext;
            st.highestmodseq = recorded.highestmodseq + 1;  // every message is new to CONDSTORE clients
        } else {
            st.uidvalidity = new_uidvalidity(std::max({uidvalidity_, loaded->old_uidvalidity, recorded.uidvalidity}));
        }
        changed = true;
        if (loaded->status == IndexStatus::Corrupt)
            log::warning("%s: index corrupt (%s); rebuilt, UIDVALIDITY %u", path_.c_str(), loaded->why.c_str(),
                         st.uidvalidity);
        else if (recorded.uidvalidity != 0)
            log::warning("%s: index missing; rebuilt, UIDVALIDITY %u", path_.c_str(), st.uidvalidity);
        else
            log::info("%s: new index, UIDVALIDITY %u", path_.c_str(), st.uidvalidity);
    } else if (recorded.uidvalidity == st.uidvalidity &&
               (recorded.uidnext > st.uidnext || recorded.highestmodseq > st.highestmodseq)) {
        // An index older than the record (restored from a backup).
        st.uidnext = std::max(st.uidnext, recorded.uidnext);
        st.highestmodseq = std::max(st.highestmodseq, recorded.highestmodseq);
        changed = true;
    }
    // One new MODSEQ for everything this sync finds changed (RFC 7162 3.1).
    std::uint64_t new_modseq = 0;
    auto next_modseq = [&] {
        if (new_modseq == 0) new_modseq = ++st.highestmodseq;
        return new_modseq;
    };

    // Known messages: drop vanished files, take flags from the file names.
    std::vector<MessageInfo> kept;
    kept.reserve(st.messages.size());
    std::unordered_set<std::uint32_t> used;
    for (auto& m : st.messages) {
        const auto base = std::string(split_maildir_name(std::string_view(m.filename).substr(4)).base);
        auto it = found->find(base);
        if (it == found->end()) {
            next_modseq();  // an expunge raises HIGHESTMODSEQ
            changed = true;
            continue;
        }
        // Names from before UIDs were recorded in them get theirs now (once).
        const auto named = name_size_field(base, 'U');
        const std::string target =
            cur_filename(named && *named == m.uid ? base : base_with_uid(base, m.uid), it->second.flags);
        if (!move_into_place(path_, it->second, target)) {
            found->erase(it);
            continue;
        }
        if (target != m.filename) {
            if (m.flags != it->second.flags) m.modseq = next_modseq();
            m.flags = it->second.flags;
            m.filename = target;
            changed = true;
        }
        found->erase(it);
        used.insert(m.uid);
        kept.push_back(std::move(m));
    }
    st.messages = std::move(kept);

    // New files: the UID their name records when it is still free (it was
    // given out by us, or the index is being rebuilt), else the next UIDs in
    // delivery order (the time in the name).
    std::vector<NewMessage> fresh;
    fresh.reserve(found->size());
    for (const auto& [base, f] : *found) {
        auto nm = describe_new(path_, f);
        if (!nm) {
            // Vanished between the scan and now, or unreadable: next sync retries.
            if (nm.error().code != ENOENT) log::warning("%s", nm.error().message.c_str());
            continue;
        }
        fresh.push_back(std::move(*nm));
    }
    std::sort(fresh.begin(), fresh.end(), [](const NewMessage& a, const NewMessage& b) {
        return std::tie(a.when.sec, a.when.usec, a.info.filename) < std::tie(b.when.sec, b.when.usec, b.info.filename);
    });
    bool out_of_order = false;
    for (auto& nm : fresh) {
        if (st.messages.size() >= kMaxFolderMessages) {
            log::warning("%s: more than %zu messages; the rest are not indexed", path_.c_str(), kMaxFolderMessages);
            break;
        }
        std::string base = nm.file->base;
        std::uint32_t uid = nm.named_uid;
        if (uid == 0 || used.count(uid) || (!rebuilt && uid < st.uidnext)) {
            if (st.uidnext == UINT32_MAX) {
                // RFC 9051 2.3.1.1: UIDs are 32-bit; start over with a new UIDVALIDITY.
                log::warning("%s: UIDs exhausted; the index will be rebuilt", path_.c_str());
                ::unlink(index_path(path_).c_str());
                if (auto r = lock.record({}); !r) return r.error();
                return Error(EOVERFLOW, path_ + ": UIDs exhausted");
            }
            uid = st.uidnext++;
            base = base_with_uid(base, uid);
        }
        const std::string target = cur_filename(base, nm.file->flags);
        if (!move_into_place(path_, *nm.file, target)) continue;
        if (!st.messages.empty() && uid < st.messages.back().uid) out_of_order = true;
        st.uidnext = std::max(st.uidnext, uid + 1);
        used.insert(uid);
        nm.info.uid = uid;
        nm.info.filename = target;
        nm.info.modseq = next_modseq();
        st.messages.push_back(std::move(nm.info));
        changed = true;
    }
    if (out_of_order)
        std::sort(st.messages.begin(), st.messages.end(),
                  [](const MessageInfo& a, const MessageInfo& b) { return a.uid < b.uid; });

    if (rebuilt)
        for (auto& m : st.messages) m.modseq = st.highestmodseq;
    uidvalidity_ = st.uidvalidity;
    uidnext_ = st.uidnext;
    highestmodseq_ = st.highestmodseq;
    messages_ = std::move(st.messages);
    // Directory mtimes after our own renames: trusted when old enough that
    // no later change can share their timestamp.
    const bool dirs_ok = ::stat((path_ + "/new").c_str(), &new_st) == 0 &&
                         ::stat((path_ + "/cur").c_str(), &cur_st) == 0 &&
                         mtime_ns(new_st) + mtime_slack_ns(new_st) < scan_start &&
                         mtime_ns(cur_st) + mtime_slack_ns(cur_st) < scan_start;
    dirs_new_ns_ = dirs_ok ? mtime_ns(new_st) : 0;
    dirs_cur_ns_ = dirs_ok ? mtime_ns(cur_st) : 0;
    if (changed || st.new_mtime_ns != dirs_new_ns_ || st.cur_mtime_ns != dirs_cur_ns_) {
        if (auto r = write_index_locked(lock); !r) return r;
        if (::stat(index_path(path_).c_str(), &idx_st) != 0) return sys_error("stat", index_path(path_));
    }
    if (dirs_ok)
        seen_ = Seen{true, mtime_ns(new_st), mtime_ns(cur_st), mtime_ns(idx_st),
                     static_cast<std::uint64_t>(idx_st.st_ino), static_cast<std::uint64_t>(idx_st.st_size)};
    return {};
}

Result<void> Mailbox::write_index_locked(IndexLock& lock) {
    // UIDNEXT first: a crash after it loses only the index, which the file
    // names rebuild.
    if (auto r = lock.record({uidvalidity_, uidnext_, highestmodseq_}); !r) return r;
    IndexState st{uidvalidity_, uidnext_, highestmodseq_, dirs_new_ns_, dirs_cur_ns_, messages_};
    return write_file_atomic(index_path(path_), format_index(st), 0600);
}

void Mailbox::note_own_changes() {
    if (dirs_new_ns_ == 0) return;  // not known before: the next reader scans anyway
    // Our changes were made under the lock, which every writer of the index
    // takes; only a program that does not (mutt on the files) changing a
    // file in the very same clock tick would go unseen until the next change.
    struct stat new_st{}, cur_st{};
    if (::stat((path_ + "/new").c_str(), &new_st) != 0 || ::stat((path_ + "/cur").c_str(), &cur_st) != 0) {
        dirs_new_ns_ = dirs_cur_ns_ = 0;
        return;
    }
    dirs_new_ns_ = mtime_ns(new_st);
    dirs_cur_ns_ = mtime_ns(cur_st);
}

long Mailbox::find(std::uint32_t uid) const {
    auto it = std::lower_bound(messages_.begin(), messages_.end(), uid,
                               [](const MessageInfo& m, std::uint32_t u) { return m.uid < u; });
    if (it == messages_.end() || it->uid != uid) return -1;
    return static_cast<long>(it - messages_.begin());
}

std::vector<std::string> Mailbox::keywords_in_use() const {
    std::vector<std::string> out;
    for (const auto& m : messages_) out.insert(out.end(), m.keywords.begin(), m.keywords.end());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

namespace {

constexpr std::string_view kSystemLetters = "DFRST";

std::string changed_letters(const std::string& now, const FlagChange& c) {
    std::string out;
    for (char l : now) {
        const bool system = kSystemLetters.find(l) != std::string_view::npos;
        const bool named = c.letters.find(l) != std::string::npos;
        if (c.op == FlagChange::Op::Replace ? !system : !(c.op == FlagChange::Op::Remove && named)) out += l;
    }
    if (c.op != FlagChange::Op::Remove) out += c.letters;
    return normalize_flags(out);
}

std::vector<std::string> changed_keywords(const std::vector<std::string>& now, const FlagChange& c) {
    std::vector<std::string> given = c.keywords;
    std::sort(given.begin(), given.end());
    given.erase(std::unique(given.begin(), given.end()), given.end());
    if (c.op == FlagChange::Op::Replace) return given;
    std::vector<std::string> out;
    if (c.op == FlagChange::Op::Add)
        std::set_union(now.begin(), now.end(), given.begin(), given.end(), std::back_inserter(out));
    else
        std::set_difference(now.begin(), now.end(), given.begin(), given.end(), std::back_inserter(out));
    return out;
}

}  // namespace

Result<FlagChangeResult> Mailbox::change_flags(const std::vector<std::uint32_t>& uids, const FlagChange& change,
                                               std::uint64_t unchanged_since) {
    for (const auto& k : change.keywords)
        if (!valid_keyword(k)) return Error(EINVAL, "invalid keyword " + printable(k));
    auto lock = IndexLock::acquire(path_);
    if (!lock) return lock.error();
    if (auto r = sync_locked(*lock); !r) return r.error();
    FlagChangeResult result;
    const std::uint64_t modseq = highestmodseq_ + 1;
    std::vector<std::string> in_use;  // filled when a keyword is added
    for (std::uint32_t uid : uids) {
        const long i = find(uid);
        if (i < 0) continue;
        auto& m = messages_[static_cast<std::size_t>(i)];
        if (unchanged_since != 0 && m.modseq > unchanged_since) {
            result.modified.push_back(uid);
            continue;
        }
        const std::string flags = changed_letters(m.flags, change);
        auto keywords = changed_keywords(m.keywords, change);
        if (flags == m.flags && keywords == m.keywords) continue;
        if (keywords != m.keywords && change.op != FlagChange::Op::Remove) {
            if (in_use.empty()) in_use = keywords_in_use();
            for (const auto& k : keywords)
                if (!std::binary_search(in_use.begin(), in_use.end(), k)) in_use.insert(std::upper_bound(in_use.begin(), in_use.end(), k), k);
            if (in_use.size() > kMaxFolderKeywords)
                return Error(E2BIG, "more than " + std::to_string(kMaxFolderKeywords) + " keywords in one folder");
        }
        if (flags != m.flags) {
            const std::string base(split_maildir_name(std::string_view(m.filename).substr(4)).base);
            const std::string target = cur_filename(base, flags);
            if (::rename((path_ + "/" + m.filename).c_str(), (path_ + "/" + target).c_str()) != 0) {
                if (errno == ENOENT) continue;  // expunged by another program meanwhile
                return sys_error("rename", path_ + "/" + m.filename);
            }
            m.flags = flags;
            m.filename = target;
        }
        m.keywords = std::move(keywords);
        m.modseq = modseq;
        result.changed.push_back(uid);
    }
    if (result.changed.empty()) return result;
    highestmodseq_ = modseq;
    seen_.valid = false;
    note_own_changes();
    if (auto r = write_index_locked(*lock); !r) return r.error();
    return result;
}

Result<void> Mailbox::expunge(const std::vector<std::uint32_t>& uids) {
    auto lock = IndexLock::acquire(path_);
    if (!lock) return lock.error();
    if (auto r = sync_locked(*lock); !r) return r;
    std::int64_t bytes = 0, count = 0;
    for (std::uint32_t uid : uids) {
        const long i = find(uid);
        if (i < 0) continue;
        const auto& m = messages_[static_cast<std::size_t>(i)];
        if (::unlink((path_ + "/" + m.filename).c_str()) != 0 && errno != ENOENT)
            return sys_error("unlink", path_ + "/" + m.filename);
        bytes += static_cast<std::int64_t>(m.size);
        ++count;
        messages_.erase(messages_.begin() + i);
    }
    if (count == 0) return {};
    quota_change(root_, -bytes, -count);
    if (auto r = fsync_dir(path_ + "/cur"); !r) return r;
    ++highestmodseq_;
    seen_.valid = false;
    note_own_changes();
    return write_index_locked(*lock);
}

Result<UniqueFd> Mailbox::open_message(std::uint32_t uid) const {
    const long i = find(uid);
    if (i < 0) return Error(ENOENT, path_ + ": no message with UID " + std::to_string(uid));
    return open_following(path_, messages_[static_cast<std::size_t>(i)]);
}

Result<std::string> Mailbox::read_message(std::uint32_t uid, std::size_t max_bytes) const {
    auto fd = open_message(uid);
    if (!fd) return fd.error();
    std::string out;
    if (const long i = find(uid); i >= 0) out.reserve(std::min<std::uint64_t>(messages_[static_cast<std::size_t>(i)].size, max_bytes) + 1);
    char buf[65536];
    char prev = '\0';
    for (;;) {
        const ssize_t n = ::read(fd->get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("read", path_);
        }
        if (n == 0) break;
        // Copy runs up to each LF at once (memchr), adding the CR a bare LF lacks.
        const char* p = buf;
        const char* end = buf + n;
        while (p < end) {
            const auto* lf = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
            if (!lf) {
                out.append(p, end);
                break;
            }
            out.append(p, lf);
            const char before = lf == buf ? prev : lf[-1];
            if (before != '\r') out += '\r';
            out += '\n';
            p = lf + 1;
        }
        prev = buf[n - 1];
        if (out.size() > max_bytes)
            return Error(EFBIG, path_ + ": message UID " + std::to_string(uid) + " is larger than " +
                                    std::to_string(max_bytes) + " bytes");
    }
    return out;
}

Result<std::vector<std::string>> Mailbox::list_folders(const std::string& maildir_root) {
    std::vector<std::string> folders;
    auto names = list_dir(maildir_root);
    if (!names) {
        // A Maildir that has received no mail yet holds an empty INBOX.
        if (names.error().code == ENOENT) return std::vector<std::string>{"INBOX"};
        return names.error();
    }
    for (auto& n : *names) {
        auto name = from_maildir_dir(n);
        if (!name) continue;
        struct stat st{};
        if (::stat((maildir_root + "/" + n + "/cur").c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        if (folders.size() >= kMaxFolders) {
            log::warning("%s: more than %zu folders; the rest are ignored", maildir_root.c_str(), kMaxFolders);
            break;
        }
        folders.push_back(std::move(*name));
    }
    std::sort(folders.begin(), folders.end());
    folders.insert(folders.begin(), "INBOX");
    return folders;
}

}  // namespace tern::store
