// sendmail: the Sendmail-compatible local submission command, as Postfix's
// sendmail(1). Reads a message on standard input and hands it to postdrop
// (posix_spawn, no shell), which writes it into maildrop/ for pickup.
//   sendmail [options] [recipient ...]
//   -t  recipients from To/Cc/Bcc (Bcc removed)   -i, -oi  a lone dot does not end input
//   -f sender   -F full name   -bm (default)   -bs (SMTP on stdin/stdout)
//   -bv (verify local recipients)   -bp (list the queue, as mailq)   -C/-c config   -q (flush the queue)
// Unknown options draw a warning and are ignored; -odi, -oem, -U and other
// options of the old sendmail that mean nothing here are accepted silently.
// Exit codes are sysexits.h's.
#include <pwd.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "libmail/config/config.h"
#include "libmail/config/params_cleanup.h"
#include "libmail/config/params_global.h"
#include "libmail/core/file_io.h"
#include "libmail/core/text.h"
#include "libmail/ipc/attr_channel.h"
#include "tools/sendmail/message_input.h"
#include "tools/sendmail/postdrop_pipe.h"
#include "tools/sendmail/sendmail.h"

using namespace tern;
using namespace tern::sendmail;

namespace {

// Options that take a value as the next argument when it is not attached.
bool takes_value(char c) { return std::strchr("fFrCcNRVBhLOX", c) != nullptr; }

std::string strip_angles(std::string a) {
    a = std::string(trim(a));
    if (a.size() >= 2 && a.front() == '<' && a.back() == '>') a = a.substr(1, a.size() - 2);
    return a;
}

// -bX (mode) and -oX (old sendmail options), given as the whole word "-bX" / "-oX".
void apply_word_option(Options& o, char c, const std::string& word) {
    if (c == 'b') {
        if (word.size() != 3) throw UsageError("unsupported mode " + word);
        o.mode = word[2];
        if (std::strchr("msvp", o.mode) == nullptr) throw UsageError("unsupported mode " + word);
        return;
    }
    if (word == "-oi" || word == "-oitrue") o.ignore_dots = true;
    // -odi, -odb, -oem, -om, ... mean nothing for Tern (Postfix ignores them too).
}

void apply_option(Options& o, char c, const std::string& value) {
    switch (c) {
    case 't': o.extract = true; break;
    case 'i': o.ignore_dots = true; break;
    case 'f':
    case 'r': o.sender = strip_angles(value); o.sender_given = true; break;
    case 'F': o.full_name = value; break;
    case 'C': o.config_dir = value; break;
    case 'c': o.config_dir = value; break;
    case 'q': o.mode = 'q'; break;
    case 'U': case 'v': case 'm': case 'n': case 'N': case 'R': case 'V': case 'B': case 'h':
    case 'L': case 'O': case 'X': case 'G': case 'A': case '8':
        break;  // accepted for compatibility, no effect
    default:
        std::fprintf(stderr, "sendmail: warning: -%c option ignored\n", c);
        break;
    }
}

Options parse_args(int argc, char** argv) {
    Options o;
    int i = 1;
    for (; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a.size() < 2 || a[0] != '-') break;
        // Letters group as in Postfix ("-ti" is -t -i); a letter that takes a value
        // takes the rest of the word, or the next argument. -b and -o are whole words.
        for (std::size_t j = 1; j < a.size(); ++j) {
            const char c = a[j];
            std::string value;
            if (c == 'b' || c == 'o') {
                std::string word = "-" + a.substr(j);
                if (word.size() == 2 && i + 1 < argc) word += argv[++i];  // "-b s", as getopt allows
                apply_word_option(o, c, word);
                break;
            }
            if (takes_value(c)) {
                if (j + 1 < a.size()) value = a.substr(j + 1);
                else if (i + 1 < argc) value = argv[++i];
                else throw UsageError("option -" + std::string(1, c) + " requires a value");
                apply_option(o, c, value);
                break;
            }
            apply_option(o, c, value);
        }
    }
    for (; i < argc; ++i) o.recipients.push_back(strip_angles(argv[i]));
    if (o.config_dir.size() > 8 && o.config_dir.compare(o.config_dir.size() - 8, 8, "/main.cf") == 0)
        o.config_dir = dir_of(o.config_dir);  // sendmail -C names a file
    if (o.config_dir.empty()) {
        const char* env = std::getenv("MAIL_CONFIG");
        if (env && *env) o.config_dir = env;
    }
    return o;
}

// The login name of the invoking user (Postfix: the uid, not $USER or $LOGNAME).
std::string login_name() {
    if (const passwd* pw = ::getpwuid(::getuid())) return pw->pw_name;
    return "uid" + std::to_string(::getuid());
}

// -F, else $NAME, else the GECOS field up to its first comma.
std::string default_full_name() {
    if (const char* n = std::getenv("NAME"); n && *n) return n;
    if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_gecos) {
        std::string g = pw->pw_gecos;
        return g.substr(0, g.find(','));
    }
    return {};
}

}  // namespace

namespace tern::sendmail {

std::vector<std::string> postdrop_argv(const Options& o, const config::Config& cfg) {
    std::vector<std::string> argv{find_postdrop(cfg.get(config::kPostdropPath), cfg.is_set("postdrop_path")), "-r"};
    if (!o.config_dir.empty()) {
        argv.push_back("-c");
        argv.push_back(o.config_dir);
    }
    return argv;
}

int submit_stdin(const Options& o, const config::Config& cfg) {
    InputOptions io;
    io.ignore_dots = o.ignore_dots;
    io.extract_recipients = o.extract;
    io.header_section_limit = static_cast<std::size_t>(cfg.get_int(config::kHeaderSectionSizeLimit));
    io.message_size_limit = static_cast<std::uint64_t>(cfg.get_int(config::kMessageSizeLimit));
    MessageInput in(io);
    std::optional<PostdropPipe> pipe;
    auto start = [&]() {
        cleanup::Submission env;
        env.sender = o.sender;
        env.full_name = o.full_name;
        env.recipients = o.recipients;
        for (const auto& r : in.recipients()) env.recipients.push_back(r);
        if (env.recipients.empty()) throw UsageError(o.extract ? "no recipient addresses found in message header"
                                                               : "no recipients specified");
        pipe.emplace(postdrop_argv(o, cfg), env);
        pipe->write(in.header_section());
    };
    char buf[64 * 1024];
    bool ok = true;
    try {
        while (!in.done() && ok) {
            const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw InputError{EX_IOERR, std::string("read standard input: ") + std::strerror(errno)};
            }
            if (n == 0) in.finish();
            else in.feed(std::string_view(buf, static_cast<std::size_t>(n)));
            if (in.headers_complete() && !pipe) start();
            if (pipe) ok = pipe->write(in.take_body());
        }
    } catch (const InputError& e) {
        // Said before postdrop sees the cut stream (and says that nothing was queued).
        std::fprintf(stderr, "sendmail: fatal: %s\n", e.message.c_str());
        if (pipe) (void)pipe->finish(false);
        return e.exit_code;
    }
    if (!pipe) start();  // defensive: finish() always completes the header section
    const int rc = pipe->finish(ok);
    if (rc != EX_OK && ok) std::fprintf(stderr, "sendmail: fatal: postdrop failed (exit %d)\n", rc);
    return rc == EX_OK && !ok ? EX_TEMPFAIL : rc;
}

}  // namespace tern::sendmail

int main(int argc, char** argv) {
    try {
        Options o = parse_args(argc, argv);
        auto cfg = config::Config::load(o.config_dir.empty() ? std::string(config::kConfigDirectory.default_value)
                                                             : o.config_dir);
        if (!cfg) {
            std::fprintf(stderr, "sendmail: fatal: %s\n", cfg.error().message.c_str());
            return EX_CONFIG;
        }
        if (!o.sender_given) o.sender = login_name();
        if (o.full_name.empty()) o.full_name = default_full_name();
        switch (o.mode) {
        case 'm':
            return submit_stdin(o, *cfg);
        case 's':
            return smtp_mode(o, *cfg);
        case 'v':
            return verify_mode(o, *cfg);
        case 'q': {
            const std::string queue_dir = cfg->get(config::kQueueDirectory);
            auto fd = ipc::connect_unix(ipc::service_path(queue_dir, false, "qmgr"));
            const char code = ipc::kTriggerFlush;
            if (!fd || ::write(fd->get(), &code, 1) != 1) {
                std::fprintf(stderr, "sendmail: fatal: cannot flush the queue (is Tern running?)\n");
                return EX_UNAVAILABLE;
            }
            return EX_OK;
        }
        case 'p': {
            // -bp is mailq: run postqueue -p from the same place as postdrop.
            const std::string postdrop = postdrop_argv(o, *cfg)[0];
            const std::string postqueue = dir_of(postdrop) + "/postqueue";
            std::vector<std::string> args{postqueue, "-p"};
            if (!o.config_dir.empty()) args.insert(args.end(), {"-c", o.config_dir});
            std::vector<char*> argv2;
            for (auto& a : args) argv2.push_back(a.data());
            argv2.push_back(nullptr);
            ::execv(postqueue.c_str(), argv2.data());
            std::fprintf(stderr, "sendmail: fatal: cannot run %s: %s\n", postqueue.c_str(), std::strerror(errno));
            return EX_UNAVAILABLE;
        }
        default:
            throw UsageError("unsupported mode");
        }
    } catch (const UsageError& e) {
        std::fprintf(stderr, "sendmail: fatal: %s\n", e.what());
        std::fprintf(stderr, "usage: sendmail [-t] [-i] [-f sender] [-F full_name] [-bm | -bs | -bv] [-C config] "
                             "[recipient ...]\n");
        return EX_USAGE;
    } catch (const InputError& e) {
        std::fprintf(stderr, "sendmail: fatal: %s\n", e.message.c_str());
        return e.exit_code;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sendmail: fatal: %s\n", e.what());
        return EX_UNAVAILABLE;
    }
}
