#include "libmail/store/quota.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libmail/core/c_ptr.h"
#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/core/unique_fd.h"
#include "libmail/store/folder_names.h"
#include "libmail/store/mailbox.h"
#include "libmail/store/mailbox_index.h"

namespace tern::store {

namespace {

constexpr std::string_view kFileName = "maildirsize";
constexpr std::size_t kRecountAbove = 5120;  // Maildir++: past this the file is rewritten

std::string file_of(const std::string& root) { return root + "/" + std::string(kFileName); }

std::string limit_line(const QuotaLimit& l) {
    return std::to_string(l.bytes) + "S," + std::to_string(l.messages) + "C";
}

// Sum of the change lines, or nullopt for a file to recount (another limit,
// a malformed line, a negative total).
std::optional<QuotaUsage> sum_file(std::string_view text, const QuotaLimit& limit) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos || text.substr(0, nl) != limit_line(limit)) return std::nullopt;
    text.remove_prefix(nl + 1);
    std::int64_t bytes = 0, messages = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        if (end == std::string_view::npos) return std::nullopt;  // a half-written line
        std::string_view line = trim(text.substr(0, end));
        text.remove_prefix(end + 1);
        const auto sp = line.find(' ');
        auto b = parse_number<std::int64_t>(line.substr(0, sp));
        auto m = sp == std::string_view::npos ? std::nullopt : parse_number<std::int64_t>(trim(line.substr(sp + 1)));
        if (!b || !m) return std::nullopt;
        bytes += *b;
        messages += *m;
    }
    if (bytes < 0 || messages < 0) return std::nullopt;
    return QuotaUsage{static_cast<std::uint64_t>(bytes), static_cast<std::uint64_t>(messages)};
}

// Adds up one folder's messages from their names (W= size, else the file size).
void count_folder(const std::string& path, QuotaUsage& u) {
    for (const char* sub : {"/cur", "/new"}) {
        CPtr<DIR, closedir> d(::opendir((path + sub).c_str()));
        if (!d) continue;
        while (dirent* e = ::readdir(d.get())) {
            const std::string_view n = e->d_name;
            if (!acceptable_message_name(n)) continue;
            auto w = name_size_field(split_maildir_name(n).base, 'W');
            if (!w) {
                struct stat st{};
                if (::stat((path + sub + "/" + std::string(n)).c_str(), &st) != 0) continue;
                w = static_cast<std::uint64_t>(st.st_size);
            }
            u.bytes += *w;
            ++u.messages;
        }
    }
}

Result<QuotaUsage> recount(const std::string& root, const QuotaLimit& limit) {
    QuotaUsage u;
    count_folder(root, u);
    auto folders = Mailbox::list_folders(root);
    if (!folders) return folders.error();
    for (const auto& f : *folders) {
        if (is_inbox(f)) continue;
        auto dir = to_maildir_dir(f);
        if (dir) count_folder(root + "/" + *dir, u);
    }
    const std::string text = limit_line(limit) + "\n" + std::to_string(u.bytes) + " " + std::to_string(u.messages) + "\n";
    if (auto r = write_file_atomic(file_of(root), text, 0600); !r)
        log::warning("%s: %s", file_of(root).c_str(), r.error().message.c_str());
    return u;
}

}  // namespace

Result<QuotaUsage> quota_usage(const std::string& root, const QuotaLimit& limit) {
    auto text = read_file(file_of(root), kRecountAbove);
    if (text) {
        if (auto u = sum_file(*text, limit)) return *u;
    } else if (text.error().code != ENOENT && text.error().code != EFBIG) {
        return text.error();
    }
    return recount(root, limit);
}

void quota_change(const std::string& root, std::int64_t bytes, std::int64_t messages) {
    UniqueFd fd(::open(file_of(root).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno != ENOENT) log::warning("%s", sys_error("open", file_of(root)).message.c_str());
        return;
    }
    // One write of one short line: O_APPEND keeps concurrent writers' lines whole.
    const std::string line = std::to_string(bytes) + " " + std::to_string(messages) + "\n";
    if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        log::warning("%s", sys_error("write", file_of(root)).message.c_str());
}

void quota_forget(const std::string& root) { ::unlink(file_of(root).c_str()); }

bool quota_allows(const QuotaUsage& used, const QuotaLimit& limit, std::uint64_t bytes, std::uint64_t messages) {
    if (limit.bytes != 0 && used.bytes + bytes > limit.bytes) return false;
    if (limit.messages != 0 && used.messages + messages > limit.messages) return false;
    return true;
}

}  // namespace tern::store
