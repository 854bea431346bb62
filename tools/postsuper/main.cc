// postsuper: queue maintenance for the administrator, with Postfix's flags.
//   postsuper [-c config_dir] [-d ID|ALL|-] [-h ID|ALL|-] [-H ID|ALL|-]
//             [-r ID|ALL|-] [-p] [-s] [queue ...]
// SECURITY: only root or mail_owner may run it; root drops to mail_owner
// before it reads any input or touches the queue. Queue IDs, from the command
// line or standard input (bounded), are checked against the queue ID alphabet
// before they become part of a path.
#include <getopt.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "libmail/config/config.h"
#include "libmail/config/params_global.h"
#include "libmail/core/privs.h"
#include "libmail/core/text.h"
#include "libmail/queue/queue_admin.h"
#include "libmail/queue/queue_id.h"
#include "libmail/server/server.h"
#include "tools/postsuper/postsuper.h"

using namespace tern;

namespace {

constexpr std::size_t kMaxStdinBytes = 16 * 1024 * 1024;  // room for ~500,000 IDs, one per line
constexpr std::size_t kMaxIdsPerRequest = 1'000'000;

[[noreturn]] void fatal(const std::string& msg) {
    std::fprintf(stderr, "postsuper: fatal: %s\n", msg.c_str());
    std::exit(1);
}

int usage() {
    std::fprintf(stderr,
                 "usage: postsuper [-c config_dir] [-d queue_id|ALL|-] [-h queue_id|ALL|-] [-H queue_id|ALL|-]\n"
                 "                 [-r queue_id|ALL|-] [-p] [-s] [queue ...]\n");
    return 2;
}

// "-": queue IDs from standard input, one per line, read once and bounded.
std::vector<std::string> read_stdin_ids() {
    static bool consumed = false;
    std::vector<std::string> out;
    if (consumed) return out;
    consumed = true;
    std::string data;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fatal(std::string("read standard input: ") + std::strerror(errno));
        if (n == 0) break;
        if (data.size() + static_cast<std::size_t>(n) > kMaxStdinBytes)
            fatal("standard input: more than " + std::to_string(kMaxStdinBytes) + " bytes of queue IDs");
        data.append(buf, static_cast<std::size_t>(n));
    }
    for (auto line : split_any(data, "\n")) {
        line = trim(line);
        if (line.empty()) continue;
        out.emplace_back(line);
    }
    return out;
}

void add_ids(postsuper::Request& req, const char* arg) {
    if (std::strcmp(arg, "ALL") == 0) {
        req.all = true;
        return;
    }
    std::vector<std::string> ids;
    if (std::strcmp(arg, "-") == 0) ids = read_stdin_ids();
    else ids.emplace_back(arg);
    for (auto& id : ids) {
        if (!queue::is_queue_id(id)) {
            std::fprintf(stderr, "postsuper: warning: invalid mail queue id: %s\n", printable(id, 64).c_str());
            continue;
        }
        if (req.ids.size() >= kMaxIdsPerRequest) fatal("too many queue IDs");
        req.ids.push_back(std::move(id));
    }
}

// Only root and mail_owner may change the queue; root becomes mail_owner first.
void become_mail_owner(const config::Config& cfg) {
    const std::string owner = cfg.get(config::kMailOwner);
    auto ids = lookup_user(owner);
    if (!ids) fatal("mail_owner " + owner + ": " + ids.error().message);
    if (running_as_root()) {
        if (ids->uid == 0) fatal("mail_owner " + owner + " must not be root");
        if (auto r = become_user(*ids); !r) fatal(r.error().message);
        return;
    }
    if (::geteuid() != ids->uid)
        fatal("only root or the mail_owner (" + owner + ") may run postsuper");
}

}  // namespace

int main(int argc, char** argv) {
    std::string config_dir;
    std::vector<postsuper::Request> requests;
    bool structure = false, purge = false;
    auto request_for = [&](postsuper::Op op) -> postsuper::Request& {
        for (auto& r : requests)
            if (r.op == op) return r;
        return requests.emplace_back(postsuper::Request{op, false, {}});
    };
    // Option arguments are collected first and checked after the privilege
    // change; only "-" (standard input) needs care, and it is read after it too.
    std::vector<std::pair<postsuper::Op, const char*>> pending;
    int c;
    while ((c = ::getopt(argc, argv, "c:d:h:H:r:psSv")) != -1) {
        switch (c) {
        case 'c': config_dir = optarg; break;
        case 'd': pending.emplace_back(postsuper::Op::Delete, optarg); break;
        case 'h': pending.emplace_back(postsuper::Op::Hold, optarg); break;
        case 'H': pending.emplace_back(postsuper::Op::Release, optarg); break;
        case 'r': pending.emplace_back(postsuper::Op::Requeue, optarg); break;
        case 'p': purge = true; break;
        case 's': structure = true; break;
        case 'S': structure = true; break;  // Postfix's "check and repair": the same here
        case 'v': break;
        default: return usage();
        }
    }
    std::vector<std::string> folders;
    for (int i = optind; i < argc; ++i) {
        bool known = false;
        for (auto f : queue::kMessageFolders) known = known || f == argv[i];
        if (!known) fatal(std::string("invalid directory name: ") + printable(argv[i], 64));
        folders.emplace_back(argv[i]);
    }
    if (pending.empty() && !structure && !purge) return usage();
    if (config_dir.empty()) {
        const char* env = std::getenv("MAIL_CONFIG");
        config_dir = env && *env ? env : std::string(config::kConfigDirectory.default_value);
    }
    auto cfg = config::Config::load(config_dir);
    if (!cfg) fatal(cfg.error().message);
    become_mail_owner(*cfg);
    server::setup_logging(*cfg, "postsuper");

    for (const auto& [op, arg] : pending) add_ids(request_for(op), arg);
    const std::string queue_dir = cfg->get(config::kQueueDirectory);
    if (::access((queue_dir + "/deferred").c_str(), X_OK) != 0)
        fatal(queue_dir + ": " + std::strerror(errno) + " (has Tern been started once with this configuration?)");

    postsuper::Admin admin(queue_dir, folders, queue::queue_manager_running(queue_dir));
    // Postfix's order: the structure check first, then deletions, then the moves.
    if (structure) admin.check_structure();
    if (purge && !structure) admin.purge_temporaries();
    for (auto op : {postsuper::Op::Delete, postsuper::Op::Hold, postsuper::Op::Release, postsuper::Op::Requeue})
        for (const auto& r : requests)
            if (r.op == op) admin.run(r);
    admin.wake_queue_manager();
    return admin.exit_status();
}
