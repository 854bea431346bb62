// tern: start, stop and inspect a Tern instance; create sandboxes and users.
//   tern [-c config_dir] start|start-fg|stop|status|reload|check
//   tern sandbox DIR [--port-base N] [--hostname H] [--domain D]
//   tern [-c config_dir] user add|passwd|disable|enable|list ...
//   tern [-c config_dir] user app-password add|remove ADDRESS NAME
//   tern [-c config_dir] spf check --ip IP --sender ADDRESS --helo NAME [--zone FILE]
//   tern [-c config_dir] dkim keygen|verify|sign ...
//   tern dmarc report FILE...
//   tern [-c config_dir] dmarc check [--zone FILE] --ip IP --sender ADDRESS --helo NAME MESSAGE
//   tern [-c config_dir] dmarc send-reports
//   tern [-c config_dir] dns-records [DOMAIN] [--ip ADDRESS]...
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "libmail/config/params_global.h"
#include "tools/tern/tern.h"

namespace {

int usage() {
    std::fprintf(stderr,
                 "usage: tern [-c config_dir] start|start-fg|stop|status|reload|check\n"
                 "       tern sandbox DIR [--port-base N] [--hostname H] [--domain D]\n"
                 "       tern [-c config_dir] user add|passwd ADDRESS   (password on standard input)\n"
                 "       tern [-c config_dir] user disable|enable ADDRESS\n"
                 "       tern [-c config_dir] user app-password add|remove ADDRESS NAME\n"
                 "       tern [-c config_dir] user list\n"
                 "       tern [-c config_dir] spf check --ip IP --sender ADDRESS --helo NAME [--zone FILE]\n"
                 "       tern [-c config_dir] dkim keygen|verify|sign ...\n"
                 "       tern dmarc report FILE...   (DMARC aggregate reports: XML, .gz, .zip or an email)\n"
                 "       tern [-c config_dir] dmarc check [--zone FILE] --ip IP --sender ADDRESS --helo NAME MESSAGE\n"
                 "       tern [-c config_dir] dmarc send-reports\n"
                 "       tern [-c config_dir] dns-records [DOMAIN] [--ip ADDRESS]...\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) try {
    tern::cli::Options o;
    int i = 1;
    if (i + 1 < argc && std::string(argv[i]) == "-c") {
        o.config_dir = argv[i + 1];
        i += 2;
    }
    if (i >= argc) return usage();
    const std::string cmd = argv[i++];
    for (; i < argc; ++i) o.args.emplace_back(argv[i]);
    if (o.config_dir.empty()) {
        const char* env = std::getenv("MAIL_CONFIG");
        o.config_dir = env && *env ? env : std::string(tern::config::kConfigDirectory.default_value);
    }
    using namespace tern::cli;
    if (cmd == "sandbox") return cmd_sandbox(o);
    if (cmd == "start") return cmd_start(o, false);
    if (cmd == "start-fg") return cmd_start(o, true);
    if (cmd == "stop") return cmd_stop(o);
    if (cmd == "status") return cmd_status(o);
    if (cmd == "reload") return cmd_reload(o);
    if (cmd == "check") return cmd_check(o);
    if (cmd == "user") return cmd_user(o);
    if (cmd == "spf") return cmd_spf(o);
    if (cmd == "dkim") return cmd_dkim(o);
    if (cmd == "dmarc") return cmd_dmarc(o);
    if (cmd == "dns-records") return cmd_dns_records(o);
    return usage();
} catch (const std::exception& e) {
    std::fprintf(stderr, "tern: fatal: %s\n", e.what());
    return 1;
}
