// postqueue / mailq: list the queue (-p, Postfix's layout; -j, JSON lines),
// flush it (-f: qmgr retries deferred mail now), schedule one message (-i ID)
// or the mail for one site (-s DOMAIN) now. Run as "mailq" it acts as
// "postqueue -p".
// SECURITY: not set-ID; it reads the queue with the caller's rights. A queue
// ID is checked against the queue ID alphabet and a site name against the
// host name alphabet before either is used; -i and -s change only the mtime
// (qmgr's retry time) of files in deferred/, never following a symlink.
#include <fcntl.h>
#include <getopt.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "libmail/config/config.h"
#include "libmail/config/params_global.h"
#include "libmail/core/text.h"
#include "libmail/core/unique_fd.h"
#include "libmail/ipc/attr_channel.h"
#include "libmail/queue/queue_admin.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_file.h"
#include "libmail/queue/queue_id.h"
#include "libmail/queue/queue_scan.h"

using namespace tern;

namespace {

constexpr std::size_t kMaxSiteOctets = 255;  // RFC 1035 2.3.4: a domain name

int usage() {
    std::fprintf(stderr, "usage: postqueue [-c config_dir] -p | -j | -f | -i queue_id | -s site\n");
    return 2;
}

[[noreturn]] void fatal(const std::string& msg) {
    std::fprintf(stderr, "postqueue: fatal: %s\n", msg.c_str());
    std::exit(1);
}

// One byte to public/qmgr; false when no queue manager listens.
bool trigger(const std::string& queue_dir, char code) {
    auto fd = ipc::connect_unix(ipc::service_path(queue_dir, false, "qmgr"));
    if (!fd) return false;
    return ::send(fd->get(), &code, 1, MSG_NOSIGNAL) == 1;
}

// A domain or an address literal as it appears after '@': letters, digits,
// '-', '.', and for "[...]" also ':' (IPv6).
bool is_site_name(std::string_view s) {
    if (s.empty() || s.size() > kMaxSiteOctets) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '.' ||
              c == '[' || c == ']' || c == ':'))
            return false;
    return true;
}

std::string_view domain_of(std::string_view address) {
    const auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string_view{} : address.substr(at + 1);
}

// -i: the message becomes due in deferred/ and qmgr is woken to scan for due mail.
int schedule_message(const std::string& queue_dir, const std::string& id) {
    if (!queue::is_queue_id(id)) fatal("invalid queue id: " + printable(id, 64));
    const std::string folder = queue::find_message(queue_dir, id, queue::kMessageFolders);
    if (folder.empty()) fatal(id + ": no such message in the queue");
    if (folder == "hold") fatal(id + ": message is on hold (release it with postsuper -H)");
    if (folder == "deferred") {
        if (auto r = queue::make_due(queue_dir, folder, id); !r)
            fatal("cannot schedule " + id + ": " + r.error().message);
    }
    // In maildrop/, incoming/ or active/ it is being handled already; the trigger does no harm.
    if (!trigger(queue_dir, ipc::kTriggerScan)) fatal("Cannot flush queue ID " + id + " - mail system is down");
    return 0;
}

// -s: every deferred message with a Pending recipient in site becomes due.
int flush_site(const std::string& queue_dir, const std::string& site) {
    if (!is_site_name(site)) fatal("invalid site name: " + printable(site, 64));
    for (const auto& id : queue::list_message_ids(queue_dir, "deferred")) {
        const std::string path = queue::queue_path(queue_dir, "deferred", id);
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!fd) continue;  // gone meanwhile (delivered), or not a plain file
        auto qf = queue::read_queue_file(fd.get(), path);
        if (!qf) continue;  // damaged: postsuper -s (or qmgr) moves it to corrupt/
        bool wanted = false;
        for (const auto& r : qf->env.recipients)
            wanted = wanted || (r.state == queue::RecipientState::Pending && iequals(domain_of(r.address), site));
        if (!wanted) continue;
        if (auto r = queue::make_due(queue_dir, "deferred", id); !r && r.error().code != ENOENT)
            fatal("cannot schedule " + id + ": " + r.error().message);
    }
    if (!trigger(queue_dir, ipc::kTriggerScan)) fatal("Cannot flush mail queue for site " + site + " - mail system is down");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const char* base = std::strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    char mode = std::strcmp(base, "mailq") == 0 ? 'p' : 0;
    std::string config_dir, arg;
    int c;
    while ((c = ::getopt(argc, argv, "c:pjfi:s:v")) != -1) {
        switch (c) {
        case 'c': config_dir = optarg; break;
        case 'p':
        case 'j':
        case 'f': mode = static_cast<char>(c); break;
        case 'i':
        case 's':
            mode = static_cast<char>(c);
            arg = optarg;
            break;
        case 'v': break;
        default: return usage();
        }
    }
    if (!mode || optind != argc) return usage();
    if (config_dir.empty()) {
        const char* env = std::getenv("MAIL_CONFIG");
        config_dir = env && *env ? env : std::string(config::kConfigDirectory.default_value);
    }
    auto cfg = config::Config::load(config_dir);
    if (!cfg) fatal(cfg.error().message);
    const std::string queue_dir = cfg->get(config::kQueueDirectory);
    switch (mode) {
    case 'f':
        if (!trigger(queue_dir, ipc::kTriggerFlush)) fatal("Cannot flush mail queue - mail system is down");
        return 0;
    case 'i': return schedule_message(queue_dir, arg);
    case 's': return flush_site(queue_dir, arg);
    default: break;
    }
    // The folders are mode 0750: without the right to read them the queue
    // would look empty, which is a lie worth refusing.
    if (::access((queue_dir + "/deferred").c_str(), R_OK | X_OK) != 0 && errno != ENOENT)
        fatal("cannot read the queue: " + queue_dir + "/deferred: " + std::strerror(errno) +
              " (run as root or mail_owner)");
    const auto entries = queue::scan_queue(queue_dir, {"maildrop", "incoming", "active", "deferred", "hold"});
    const std::string out = mode == 'j' ? queue::format_json(entries) : queue::format_mailq(entries);
    std::fputs(out.c_str(), stdout);
    return 0;
}
