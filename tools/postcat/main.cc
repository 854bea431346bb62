// postcat: show a queue file's records, as Postfix's postcat does.
//   postcat [-c config_dir] [-ehb] [-q] FILE|QUEUEID
// Without -e, -h or -b: the envelope, the message, each under Postfix's
// "*** ENVELOPE RECORDS ***" / "*** MESSAGE CONTENTS ***" banners. -e, -h and
// -b select the envelope, the header and the body; the banners come with the
// envelope only, so "postcat -hq ID" prints the bare header.
// A damaged file is shown as far as it can be read, then the error with its
// offset; the exit status is 1. With -q the ID is checked against the queue ID
// alphabet before it becomes part of a path.
#include <fcntl.h>
#include <getopt.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "libmail/config/config.h"
#include "libmail/config/params_global.h"
#include "libmail/core/text.h"
#include "libmail/core/unique_fd.h"
#include "libmail/queue/queue_admin.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_file.h"
#include "libmail/queue/queue_id.h"

using namespace tern;

namespace {

const char* state_name(queue::RecipientState s) {
    switch (s) {
    case queue::RecipientState::Pending: return "pending";
    case queue::RecipientState::Delivered: return "delivered";
    case queue::RecipientState::Bounced: return "bounced";
    case queue::RecipientState::Expired: return "expired";
    }
    return "?";
}

std::string find_in_queue(const std::string& config_dir, const std::string& id) {
    auto cfg = config::Config::load(config_dir);
    if (!cfg) {
        std::fprintf(stderr, "postcat: fatal: %s\n", cfg.error().message.c_str());
        std::exit(1);
    }
    const std::string qdir = cfg->get(config::kQueueDirectory);
    if (!queue::is_queue_id(id)) {
        std::fprintf(stderr, "postcat: fatal: invalid queue id: %s\n", printable(id, 64).c_str());
        std::exit(1);
    }
    static constexpr std::string_view kFolders[] = {"incoming", "active", "deferred", "hold", "maildrop", "corrupt"};
    if (auto folder = queue::find_message(qdir, id, kFolders); !folder.empty()) return queue::queue_path(qdir, folder, id);
    std::fprintf(stderr, "postcat: fatal: no message %s in the queue\n", printable(id).c_str());
    std::exit(1);
}


// For a damaged file: print every record that decodes, in file order, up to the
// first one that does not. The caller then prints the reader's error (with its offset).
void dump_partial(int fd, const std::string& path) {
    std::printf("*** ENVELOPE RECORDS %s ***\n", path.c_str());
    off_t off = 0;
    bool in_content = false;
    for (;;) {
        unsigned char hdr[queue::kRecordHeaderBytes];
        if (::pread(fd, hdr, sizeof hdr, off) != static_cast<ssize_t>(sizeof hdr)) break;
        const std::uint32_t len = (std::uint32_t{hdr[1]} << 24) | (std::uint32_t{hdr[2]} << 16) |
                                  (std::uint32_t{hdr[3]} << 8) | std::uint32_t{hdr[4]};
        const auto type = static_cast<queue::RecordType>(hdr[0]);
        const std::size_t limit =
            type == queue::RecordType::Content ? queue::kMaxContentChunk : queue::kMaxEnvelopeRecord;
        if (len > limit) break;
        std::string data(len, '\0');
        if (len && ::pread(fd, data.data(), len, off + static_cast<off_t>(queue::kRecordHeaderBytes)) !=
                       static_cast<ssize_t>(len))
            break;
        off += static_cast<off_t>(queue::kRecordHeaderBytes + len);
        switch (type) {
        case queue::RecordType::Version: std::printf("version: %s\n", printable(data, 100).c_str()); break;
        case queue::RecordType::Time: std::printf("arrival_time: %s\n", printable(data, 100).c_str()); break;
        case queue::RecordType::Sender: std::printf("sender: %s\n", printable(data, 1000).c_str()); break;
        case queue::RecordType::Attr: std::printf("named_attribute: %s\n", printable(data, 1000).c_str()); break;
        case queue::RecordType::Recipient:
            if (data.size() >= 2) {
                const std::string_view rest = std::string_view(data).substr(2);
                std::printf("recipient: %s (state %c)\n", printable(rest.substr(0, rest.find('\0')), 1000).c_str(),
                            data[0]);
            }
            break;
        case queue::RecordType::Content:
            if (!in_content) std::printf("*** MESSAGE CONTENTS %s ***\n", path.c_str());
            in_content = true;
            std::fwrite(data.data(), 1, data.size(), stdout);
            break;
        case queue::RecordType::End: std::printf("*** MESSAGE FILE END %s ***\n", path.c_str()); return;
        default: return;
        }
    }
    std::fflush(stdout);
}

// Splits the message at the empty line that ends the header (content is
// stored with LF line ends) and prints the parts asked for. With both parts
// the empty line is printed too, so the output is the message as stored.
class ContentPrinter {
public:
    ContentPrinter(bool header, bool body) : header_(header), body_(body) {}
    void feed(std::string_view chunk) {
        std::size_t i = 0;
        while (i < chunk.size()) {
            if (!in_header_) {
                if (body_) std::fwrite(chunk.data() + i, 1, chunk.size() - i, stdout);
                return;
            }
            if (at_line_start_ && chunk[i] == '\n') {
                in_header_ = false;
                if (header_ && body_) std::fputc('\n', stdout);
                ++i;
                continue;
            }
            const auto nl = chunk.find('\n', i);
            const std::size_t end = nl == std::string_view::npos ? chunk.size() : nl + 1;
            if (header_) std::fwrite(chunk.data() + i, 1, end - i, stdout);
            at_line_start_ = nl != std::string_view::npos;
            i = end;
        }
    }

private:
    bool header_, body_;
    bool in_header_ = true;
    bool at_line_start_ = true;
};

}  // namespace

int main(int argc, char** argv) {
    std::string config_dir, target;
    bool by_id = false, show_env = false, show_header = false, show_body = false;
    int c;
    while ((c = ::getopt(argc, argv, "c:qehbv")) != -1) {
        switch (c) {
        case 'c': config_dir = optarg; break;
        case 'q': by_id = true; break;
        case 'e': show_env = true; break;
        case 'h': show_header = true; break;
        case 'b': show_body = true; break;
        case 'v': break;
        default:
            std::fprintf(stderr, "usage: postcat [-c config_dir] [-ehb] [-q] file|queue_id\n");
            return 2;
        }
    }
    if (optind + 1 != argc) {
        std::fprintf(stderr, "usage: postcat [-c config_dir] [-ehb] [-q] file|queue_id\n");
        return 2;
    }
    target = argv[optind];
    if (!show_env && !show_header && !show_body) show_env = show_header = show_body = true;
    if (config_dir.empty()) {
        const char* env = std::getenv("MAIL_CONFIG");
        config_dir = env && *env ? env : std::string(config::kConfigDirectory.default_value);
    }
    const std::string path = by_id ? find_in_queue(config_dir, target) : target;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        std::fprintf(stderr, "postcat: fatal: open %s: %s\n", path.c_str(), std::strerror(errno));
        return 1;
    }
    auto qf = queue::read_queue_file(fd.get(), path);
    if (!qf) {
        dump_partial(fd.get(), path);
        std::fflush(stdout);
        std::fprintf(stderr, "postcat: fatal: %s\n", qf.error().message.c_str());
        return 1;
    }
    const auto& env = qf->env;
    if (show_env) {
        std::printf("*** ENVELOPE RECORDS %s ***\n", path.c_str());
        const std::time_t t = static_cast<std::time_t>(env.arrival_sec);
        char when[64];
        std::strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", std::localtime(&t));
        std::printf("message_size: %llu\n", static_cast<unsigned long long>(qf->content_bytes));
        std::printf("message_arrival_time: %s\n", when);
        std::printf("sender: %s\n", printable(env.sender, 1000).c_str());
        for (const auto& [k, v] : env.attrs)
            std::printf("named_attribute: %s=%s\n", k.c_str(), printable(v, 1000).c_str());
        for (const auto& r : env.recipients) {
            if (!r.orcpt.empty()) std::printf("original_recipient: %s\n", printable(r.orcpt, 1000).c_str());
            std::printf("recipient: %s (%s)\n", printable(r.address, 1000).c_str(), state_name(r.state));
        }
    }
    if (show_header || show_body) {
        if (show_env) std::printf("*** MESSAGE CONTENTS %s ***\n", path.c_str());
        std::fflush(stdout);
        ContentPrinter printer(show_header, show_body);
        auto r = queue::read_content(fd.get(), *qf, [&](std::string_view chunk) -> Result<void> {
            printer.feed(chunk);
            return {};
        });
        if (!r) {
            std::fflush(stdout);
            std::fprintf(stderr, "postcat: fatal: %s\n", r.error().message.c_str());
            return 1;
        }
    }
    if (show_env) std::printf("*** MESSAGE FILE END %s ***\n", path.c_str());
    return 0;
}
