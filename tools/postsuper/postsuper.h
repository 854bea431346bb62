// postsuper's operations on the queue: delete, hold, release, requeue, and
// the structure check. Each message is handled by rename or unlink only
// (DESIGN.md invariant 5). A message in active/ belongs to qmgr while a queue
// manager runs: it is left alone with a warning (the admin tries again once the
// delivery attempt is over); on a stopped queue active/ is treated like the rest.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tern::postsuper {

enum class Op { Delete, Hold, Release, Requeue };

// One -d, -h, -H or -r: either ALL or a list of IDs already checked with is_queue_id.
struct Request {
    Op op;
    bool all = false;
    std::vector<std::string> ids;
};

class Admin {
public:
    // folders: the queue names given on the command line (empty: each
    // operation's default, as in Postfix). qmgr_running decides about active/.
    Admin(std::string queue_dir, std::vector<std::string> folders, bool qmgr_running);

    // Runs one request; prints "postsuper: ID: removed" (and so on) per message
    // and Postfix's summary ("postsuper: Deleted: 2 messages").
    void run(const Request& req);
    // -s: files that are not valid queue files go to corrupt/, stale
    // temporaries and log files of messages that no longer exist are removed.
    void check_structure();
    // -p: temporary files older than a day are removed.
    void purge_temporaries();
    // After the requests: wakes qmgr when released or requeued mail waits for it.
    void wake_queue_manager();

    // 0, or 1 when a message was left alone (being delivered) or an operation failed.
    int exit_status() const { return failed_ ? 1 : 0; }

private:
    std::vector<std::string_view> folders_for(Op op) const;
    // Applies op to id, looking again where the message went when it moved meanwhile.
    bool apply(Op op, const std::string& id, std::string_view folder_hint, const std::vector<std::string_view>& folders);
    bool apply_in(Op op, const std::string& id, std::string_view folder, int& err);
    std::size_t purge_in(std::string_view folder);
    void report(const std::string& id, const char* what);

    std::string queue_dir_;
    std::vector<std::string> folders_;
    bool qmgr_running_;
    bool failed_ = false;
    bool wake_incoming_ = false;
    bool wake_deferred_ = false;
};

}  // namespace tern::postsuper
