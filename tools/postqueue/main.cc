// postqueue / mailq: list the queue (-p, Postfix's layout; -j, JSON lines)
// and flush it (-f: qmgr retries deferred mail now). Run as "mailq" it acts
// as "postqueue -p".
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "libmail/config/config.h"
#include "libmail/config/params_global.h"
#include "libmail/ipc/attr_channel.h"
#include "libmail/queue/queue_scan.h"

using namespace tern;

namespace {

int usage() {
    std::fprintf(stderr, "usage: postqueue [-c config_dir] -p | -j | -f\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    const char* base = std::strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    char mode = std::strcmp(base, "mailq") == 0 ? 'p' : 0;
    std::string config_dir;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "-c") == 0 && i + 1 < argc) config_dir = argv[++i];
        else if (std::strcmp(argv[i], "-p") == 0) mode = 'p';
        else if (std::strcmp(argv[i], "-j") == 0) mode = 'j';
        else if (std::strcmp(argv[i], "-f") == 0) mode = 'f';
        else return usage();
    }
    if (!mode) return usage();
    if (config_dir.empty()) {
        const char* env = std::getenv("MAIL_CONFIG");
        config_dir = env && *env ? env : std::string(config::kConfigDirectory.default_value);
    }
    auto cfg = config::Config::load(config_dir);
    if (!cfg) {
        std::fprintf(stderr, "postqueue: fatal: %s\n", cfg.error().message.c_str());
        return 1;
    }
    const std::string queue_dir = cfg->get(config::kQueueDirectory);
    if (mode == 'f') {
        auto fd = ipc::connect_unix(ipc::service_path(queue_dir, false, "qmgr"));
        if (!fd) {
            std::fprintf(stderr, "postqueue: fatal: cannot flush the queue: %s (is Tern running?)\n",
                         fd.error().message.c_str());
            return 1;
        }
        const char code = ipc::kTriggerFlush;
        if (::write(fd->get(), &code, 1) != 1) {
            std::fprintf(stderr, "postqueue: fatal: cannot flush the queue: write failed\n");
            return 1;
        }
        return 0;
    }
    const auto entries = queue::scan_queue(queue_dir, {"maildrop", "incoming", "active", "deferred", "hold"});
    const std::string out = mode == 'j' ? queue::format_json(entries) : queue::format_mailq(entries);
    std::fputs(out.c_str(), stdout);
    return 0;
}
