#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <set>

#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/ipc/attr_channel.h"
#include "libmail/queue/queue_admin.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_file.h"
#include "libmail/queue/queue_id.h"
#include "libmail/queue/spare_files.h"
#include "tools/postsuper/postsuper.h"

namespace tern::postsuper {

namespace {

constexpr std::time_t kStaleTemporarySeconds = 86400;  // as qmgr's and Postfix's: a writer dead for a day
constexpr int kMoveRetries = 3;                        // a message can move while we look for it

const char* summary_word(Op op) {
    switch (op) {
    case Op::Delete: return "Deleted";
    case Op::Hold: return "Placed on hold";
    case Op::Release: return "Released from hold";
    case Op::Requeue: return "Requeued";
    }
    return "?";
}

const char* done_word(Op op) {
    switch (op) {
    case Op::Delete: return "removed";
    case Op::Hold: return "placed on hold";
    case Op::Release: return "released from hold";
    case Op::Requeue: return "requeued";
    }
    return "?";
}

void say(const std::string& text) {
    std::fprintf(stderr, "postsuper: %s\n", text.c_str());
    log::info("%s", text.c_str());
}

void warn(const std::string& text) {
    std::fprintf(stderr, "postsuper: warning: %s\n", text.c_str());
    log::warning("%s", text.c_str());
}

// Every name in a folder, bounded like the queue scans.
std::vector<std::string> list_names(const std::string& dir) {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        if (out.size() >= queue::kMaxAdminListed) break;
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
        out.emplace_back(e->d_name);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

Admin::Admin(std::string queue_dir, std::vector<std::string> folders, bool qmgr_running)
    : queue_dir_(std::move(queue_dir)), folders_(std::move(folders)), qmgr_running_(qmgr_running) {}

std::vector<std::string_view> Admin::folders_for(Op op) const {
    // Postfix's defaults; queues named on the command line replace them, as far
    // as the operation makes sense there.
    std::vector<std::string_view> allowed;
    switch (op) {
    case Op::Delete: allowed = {"hold", "incoming", "active", "deferred", "maildrop"}; break;
    case Op::Hold: allowed = {"incoming", "active", "deferred", "maildrop"}; break;
    case Op::Release: allowed = {"hold"}; break;
    case Op::Requeue: allowed = {"hold", "incoming", "active", "deferred"}; break;
    }
    std::vector<std::string_view> out;
    if (folders_.empty()) {
        for (auto f : allowed)
            if (f != "maildrop") out.push_back(f);  // maildrop/ belongs to pickup unless named
        return out;
    }
    for (const auto& f : folders_)
        if (std::find(allowed.begin(), allowed.end(), f) != allowed.end()) out.push_back(f);
    return out;
}

void Admin::report(const std::string& id, const char* what) { say(id + ": " + what); }

// True when done. err is the errno of a failure (ENOENT: the message moved).
bool Admin::apply_in(Op op, const std::string& id, std::string_view folder, int& err) {
    err = 0;
    Result<void> r;
    switch (op) {
    case Op::Delete:
        r = queue::delete_message(queue_dir_, folder, id);
        break;
    case Op::Hold:
        if (folder == "hold") return false;
        r = queue::move_no_replace(queue_dir_, folder, "hold", id);
        break;
    case Op::Release:
        if (folder != "hold") return false;
        // Due at once in deferred/, where qmgr looks when woken (its mtime is the retry time).
        r = queue::make_due(queue_dir_, folder, id);
        if (r) r = queue::move_no_replace(queue_dir_, folder, "deferred", id);
        if (r) wake_deferred_ = true;
        break;
    case Op::Requeue:
        // incoming/ is where qmgr takes new mail from: the file moves unchanged,
        // so every recipient keeps its state and the Pending ones are tried at once.
        if (folder != "incoming") r = queue::move_no_replace(queue_dir_, folder, "incoming", id);
        if (r) wake_incoming_ = true;
        break;
    }
    if (!r) {
        err = r.error().code;
        if (err != ENOENT) {
            warn(id + ": " + r.error().message);
            failed_ = true;
        }
        return false;
    }
    report(id, done_word(op));
    return true;
}

bool Admin::apply(Op op, const std::string& id, std::string_view folder_hint,
                  const std::vector<std::string_view>& folders) {
    std::string folder(folder_hint);
    for (int attempt = 0; attempt < kMoveRetries; ++attempt) {
        if (folder.empty()) folder = queue::find_message(queue_dir_, id, folders);
        if (folder.empty()) {
            // Being delivered right now? Say so rather than pretend it does not exist.
            static constexpr std::string_view kActive[] = {"active"};
            if (!qmgr_running_ || op == Op::Release || queue::find_message(queue_dir_, id, kActive).empty())
                return false;
            folder = "active";
        }
        if (folder == "active" && qmgr_running_) {
            warn(id + ": message is being delivered (active queue), try again in a moment");
            failed_ = true;
            return false;
        }
        int err = 0;
        if (apply_in(op, id, folder, err)) return true;
        if (err != ENOENT) return false;
        folder.clear();  // it moved: look again
    }
    return false;
}

void Admin::run(const Request& req) {
    const auto folders = folders_for(req.op);
    std::size_t done = 0;
    if (req.all) {
        // A snapshot of every folder first, each ID handled once: a message the
        // operation (or qmgr) moves into a folder not yet listed is not met twice.
        std::vector<std::pair<std::string_view, std::string>> snapshot;
        for (auto folder : folders)
            for (auto& id : queue::list_message_ids(queue_dir_, folder)) snapshot.emplace_back(folder, std::move(id));
        std::set<std::string_view> seen;
        for (const auto& [folder, id] : snapshot)
            if (seen.insert(id).second && apply(req.op, id, folder, folders)) ++done;
    } else {
        for (const auto& id : req.ids)
            if (apply(req.op, id, {}, folders)) ++done;
    }
    char line[128];
    std::snprintf(line, sizeof line, "%s: %zu message%s", summary_word(req.op), done, done == 1 ? "" : "s");
    say(line);
}

std::size_t Admin::purge_in(std::string_view folder) {
    const std::string dir = queue_dir_ + "/" + std::string(folder);
    const std::time_t now = std::time(nullptr);
    std::size_t n = 0;
    for (const auto& name : list_names(dir)) {
        // QueueWriter's temporaries: ".tmp.<id>", never acknowledged (DESIGN.md invariant 1).
        if (name.rfind(".tmp.", 0) != 0) continue;
        struct stat st{};
        const std::string path = dir + "/" + name;
        if (::lstat(path.c_str(), &st) != 0 || now - st.st_mtime <= kStaleTemporarySeconds) continue;
        if (::unlink(path.c_str()) != 0) {
            if (errno != ENOENT) warn("unlink " + path + ": " + std::strerror(errno));
            continue;
        }
        say(std::string(folder) + "/" + printable(name, 100) + ": removed stale temporary file");
        ++n;
    }
    return n;
}

void Admin::purge_temporaries() {
    std::size_t n = 0;
    for (auto folder : {"maildrop", "incoming"}) n += purge_in(folder);
    if (n) say("Deleted: " + std::to_string(n) + " temporary file" + (n == 1 ? "" : "s"));
}

void Admin::check_structure() {
    std::size_t corrupt = 0, logs = 0;
    std::vector<std::string_view> folders{"maildrop", "incoming", "deferred", "hold"};
    if (!qmgr_running_) folders.push_back("active");  // otherwise qmgr's own check covers it
    auto to_corrupt = [&](std::string_view folder, const std::string& name, const std::string& why) {
        auto r = queue::move_no_replace(queue_dir_, folder, "corrupt", name);
        if (!r && r.error().code == ENOENT) return;  // moved on meanwhile: it was being handled
        if (!r) {
            warn(std::string(folder) + "/" + printable(name, 100) + ": " + why + "; cannot move it to corrupt/: " +
                 r.error().message);
            failed_ = true;
            return;
        }
        warn(std::string(folder) + "/" + printable(name, 100) + ": " + why + "; moved to corrupt/");
        ++corrupt;
    };
    for (auto folder : folders) {
        const std::string dir = queue_dir_ + "/" + std::string(folder);
        purge_in(folder);
        for (const auto& name : list_names(dir)) {
            if (name.rfind(".tmp.", 0) == 0) continue;  // young temporary: a writer is at work
            struct stat st{};
            if (::lstat((dir + "/" + name).c_str(), &st) != 0) continue;
            if (S_ISDIR(st.st_mode)) {
                warn(std::string(folder) + "/" + printable(name, 100) + ": unexpected directory, left alone");
                continue;
            }
            if (!S_ISREG(st.st_mode)) {
                to_corrupt(folder, name, "not a regular file");
                continue;
            }
            if (folder == "incoming" && queue::is_spare_mode(st.st_mode)) continue;  // qmgr's, not a message
            if (!queue::is_queue_id(name)) {
                to_corrupt(folder, name, "not a queue file name");
                continue;
            }
            auto qf = queue::read_queue_file(dir + "/" + name);
            if (!qf && qf.error().code != ENOENT) to_corrupt(folder, name, qf.error().message);
        }
    }
    // Logs of messages that are gone (a crash between unlinks). Looked up twice:
    // a message can be between two folders at the first look.
    std::vector<std::string_view> everywhere(std::begin(queue::kMessageFolders), std::end(queue::kMessageFolders));
    everywhere.push_back("corrupt");
    for (auto log_folder : {"defer", "bounce"}) {
        for (const auto& id : queue::list_message_ids(queue_dir_, log_folder)) {
            if (!queue::find_message(queue_dir_, id, everywhere).empty()) continue;
            ::usleep(1000);
            if (!queue::find_message(queue_dir_, id, everywhere).empty()) continue;
            const std::string path = queue::queue_path(queue_dir_, log_folder, id);
            if (::unlink(path.c_str()) == 0) {
                say(std::string(log_folder) + "/" + id + ": removed log of a message no longer queued");
                ++logs;
            }
        }
    }
    if (corrupt) say("Moved to corrupt: " + std::to_string(corrupt) + " file" + (corrupt == 1 ? "" : "s"));
    if (logs) say("Deleted: " + std::to_string(logs) + " orphaned log file" + (logs == 1 ? "" : "s"));
}

void Admin::wake_queue_manager() {
    if (!wake_incoming_ && !wake_deferred_) return;
    if (!qmgr_running_ && !queue::queue_manager_running(queue_dir_)) {
        say("the queue manager is not running: the mail is tried when Tern starts");
        return;
    }
    if (wake_incoming_) ipc::send_trigger(queue_dir_, "qmgr", ipc::kTriggerIncoming);
    if (wake_deferred_) ipc::send_trigger(queue_dir_, "qmgr", ipc::kTriggerScan);
}

}  // namespace tern::postsuper
