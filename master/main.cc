// master: the Tern supervisor (see master.h). Runs as root when started by
// root — the only process that stays root — else as the invoking user.
//   master [-c config_dir] [-d]      -d: stay in the foreground, log to stderr
// SECURITY: master trusts only its configuration files (owned by root) and
// the exit statuses of its children; it reads no network input.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "libmail/config/params_global.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "master/master.h"

int main(int argc, char** argv) {
    std::string config_dir;
    bool foreground = false;
    int ready_fd = -1;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "-c") == 0 && i + 1 < argc) config_dir = argv[++i];
        else if (std::strcmp(argv[i], "-d") == 0) foreground = true;
        else if (std::strcmp(argv[i], "-r") == 0 && i + 1 < argc)  // "tern start": write a byte here when ready
            ready_fd = tern::parse_number<int>(argv[++i]).value_or(-1);
        else {
            std::fprintf(stderr, "usage: master [-c config_dir] [-d]\n");
            return 2;
        }
    }
    if (config_dir.empty()) {
        const char* env = std::getenv("MAIL_CONFIG");
        config_dir = env && *env ? env : std::string(tern::config::kConfigDirectory.default_value);
    }
    // Children inherit the sink through the environment (server::setup_logging).
    if (foreground) ::setenv("TERN_LOG_SINK", "stderr", 1);
    tern::log::setup("tern/master", tern::log::Sink::Stderr);
    tern::master::Master m(config_dir, foreground);
    return m.run(ready_fd);
}
