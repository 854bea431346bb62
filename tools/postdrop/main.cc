// postdrop: writes one locally submitted message into queue_directory/maildrop/
// and wakes pickup. sendmail runs it with the message on standard input in
// the submission stream format (libmail/cleanup/submit_stream.h). Installed
// setgid group setgid_group (postdrop), the only group that may write into
// maildrop/, as Postfix's postdrop(1).
// SECURITY: it runs with the privileges of that group for any local user, so
// it trusts nothing it reads: every record is bounded and validated, the
// envelope and message size are limited, the file it writes is a fresh queue
// file (mode 0444, owned by the user) that pickup validates again, and -c is
// accepted from a user other than root only for a directory listed in
// alternate_config_directories of the default configuration.
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "libmail/cleanup/submit_stream.h"
#include "libmail/config/config.h"
#include "libmail/config/params_cleanup.h"
#include "libmail/config/params_global.h"
#include "libmail/core/log.h"
#include "libmail/ipc/attr_channel.h"
#include "libmail/queue/queue_writer.h"

using namespace tern;

namespace {

[[noreturn]] void die(int code, const std::string& msg) {
    std::fprintf(stderr, "postdrop: fatal: %s\n", msg.c_str());
    std::exit(code);
}

bool privileged() { return ::getegid() != ::getgid() || ::geteuid() != ::getuid(); }

// A user other than root may not point the setgid program at a configuration
// (and so a queue directory) of their choosing (Postfix's rule).
void check_config_dir(const std::string& dir) {
    const std::string def(config::kConfigDirectory.default_value);
    if (!privileged() || ::getuid() == 0 || dir == def) return;
    auto cfg = config::Config::load(def);
    if (!cfg) die(EX_CONFIG, cfg.error().message);
    const auto allowed = cfg->get_list(config::kAlternateConfigDirectories);
    if (std::find(allowed.begin(), allowed.end(), dir) == allowed.end())
        die(EX_NOPERM, "-c " + dir + ": not listed in alternate_config_directories of " + def + "/main.cf");
}

}  // namespace

int main(int argc, char** argv) {
    ::umask(022);
    std::string config_dir;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            config_dir = argv[++i];
        } else if (std::strcmp(argv[i], "-r") == 0 || std::strcmp(argv[i], "-v") == 0) {
            // Postfix's flags: the input is always the record stream here.
        } else {
            std::fprintf(stderr, "usage: postdrop [-rv] [-c config_dir]\n");
            return EX_USAGE;
        }
    }
    if (config_dir.empty()) {
        const char* env = std::getenv("MAIL_CONFIG");
        config_dir = env && *env ? env : std::string(config::kConfigDirectory.default_value);
    }
    check_config_dir(config_dir);
    auto cfg = config::Config::load(config_dir);
    if (!cfg) die(EX_CONFIG, cfg.error().message);
    log::setup(cfg->get(config::kSyslogName) + "/postdrop", log::Sink::Stderr);

    const std::string queue_dir = cfg->get(config::kQueueDirectory);
    const auto max_rcpt = static_cast<std::size_t>(cfg->get_int(config::kPostdropRecipientLimit));
    const auto max_size = static_cast<std::uint64_t>(cfg->get_int(config::kMessageSizeLimit));

    struct stat st{};
    const std::string maildrop = queue_dir + "/maildrop";
    if (::stat(maildrop.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        die(EX_UNAVAILABLE, maildrop + ": " + std::strerror(errno ? errno : ENOTDIR) +
                                " (has Tern been started once with this configuration?)");

    cleanup::SubmitReader in(STDIN_FILENO, max_rcpt, max_size);
    auto sub = in.read_envelope();
    auto exit_for = [](cleanup::SubmitErrorKind k) {
        switch (k) {
        case cleanup::SubmitErrorKind::Malformed:
        case cleanup::SubmitErrorKind::Truncated:
            return EX_DATAERR;
        case cleanup::SubmitErrorKind::TooManyRecipients:
        case cleanup::SubmitErrorKind::TooLarge:
            return EX_DATAERR;
        case cleanup::SubmitErrorKind::Io:
            return EX_IOERR;
        }
        return EX_SOFTWARE;
    };
    if (!sub)
        die(exit_for(sub.error().kind),
            "uid=" + std::to_string(::getuid()) + ": " + sub.error().message + ": nothing queued");

    // A crash or a refused message from here on leaves only the temporary
    // file, which the writer's destructor (or pickup, for a dot-file) removes.
    auto w = queue::QueueWriter::create_in(queue_dir, "maildrop", 0444);
    if (!w) die(EX_TEMPFAIL, w.error().message);
    queue::Envelope env;
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    env.arrival_sec = now.tv_sec;
    env.arrival_usec = static_cast<std::int32_t>(now.tv_nsec / 1000);
    env.sender = sub->sender;
    env.attrs.emplace_back("uid", std::to_string(::getuid()));
    if (!sub->full_name.empty()) env.attrs.emplace_back("full_name", sub->full_name);
    for (auto& r : sub->recipients) env.recipients.push_back({std::move(r), "", 0});
    if (auto r = w->write_envelope(env); !r) die(EX_TEMPFAIL, r.error().message);
    auto content = in.read_content([&](std::string_view bytes) { return w->write_content(bytes); });
    if (!content) {
        w->abort();
        die(content.error().kind == cleanup::SubmitErrorKind::Io ? EX_TEMPFAIL : exit_for(content.error().kind),
            "uid=" + std::to_string(::getuid()) + ": " + content.error().message + ": nothing queued");
    }
    auto id = w->commit_into("maildrop");
    if (!id) die(EX_TEMPFAIL, id.error().message);
    // A lost trigger only delays the message until pickup's periodic scan.
    ipc::send_trigger(queue_dir, "pickup", ipc::kTriggerScan);
    return EX_OK;
}
