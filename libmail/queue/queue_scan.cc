#include "libmail/queue/queue_scan.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>

#include "libmail/core/file_io.h"
#include "libmail/core/text.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_id.h"
#include "libmail/queue/spare_files.h"

namespace tern::queue {

namespace {

constexpr std::size_t kMaxStatusFileBytes = 1024 * 1024;

// defer/<id>: "recipient=ADDR\tdsn=X\treason=TEXT" lines; the last one per recipient wins.
std::vector<std::pair<std::string, std::string>> read_reasons(const std::string& path) {
    std::vector<std::pair<std::string, std::string>> out;
    auto text = read_file(path, kMaxStatusFileBytes);
    if (!text) return out;
    for (auto line : split_any(*text, "\n")) {
        std::string rcpt, reason;
        for (auto field : split_any(line, "\t")) {
            auto [k, v] = split_once(field, '=');
            if (k == "recipient") rcpt = v;
            else if (k == "reason") reason = v;
        }
        auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == rcpt; });
        if (it != out.end()) it->second = reason;
        else out.emplace_back(rcpt, reason);
    }
    return out;
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", u);
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace

std::vector<QueueEntry> scan_queue(const std::string& queue_dir, const std::vector<std::string_view>& folders) {
    std::vector<QueueEntry> out;
    for (std::string_view folder : folders) {
        const std::string dir = queue_dir + "/" + std::string(folder);
        DIR* d = ::opendir(dir.c_str());
        if (!d) continue;
        while (dirent* e = ::readdir(d)) {
            if (out.size() >= kMaxListedMessages) break;
            if (!is_queue_id(e->d_name) || is_spare(queue_dir, folder, e->d_name)) continue;
            QueueEntry q;
            q.folder = std::string(folder);
            q.id = e->d_name;
            auto qf = read_queue_file(dir + "/" + q.id);
            if (!qf) {
                if (qf.error().code == ENOENT) continue;  // delivered while we looked
                q.error = qf.error().message;
                // The envelope is unknown: list it by the file's age so it still sorts sensibly.
                struct stat st{};
                if (::stat((dir + "/" + q.id).c_str(), &st) == 0) q.env.arrival_sec = st.st_mtime;
            } else {
                q.env = std::move(qf->env);
                q.size = qf->content_bytes;
            }
            q.reasons = read_reasons(queue_path(queue_dir, "defer", q.id));
            out.push_back(std::move(q));
        }
        ::closedir(d);
    }
    std::sort(out.begin(), out.end(), [](const QueueEntry& a, const QueueEntry& b) {
        return a.env.arrival_sec != b.env.arrival_sec ? a.env.arrival_sec < b.env.arrival_sec : a.id < b.id;
    });
    return out;
}

std::string format_mailq(const std::vector<QueueEntry>& entries) {
    if (entries.empty()) return "Mail queue is empty\n";
    std::string out = "-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n";
    std::uint64_t total = 0;
    char line[512];
    for (const auto& q : entries) {
        const char mark = q.folder == "active" ? '*' : q.folder == "hold" ? '!' : ' ';
        const std::time_t t = static_cast<std::time_t>(q.env.arrival_sec);
        std::tm tm{};
        ::localtime_r(&t, &tm);
        char when[32];
        std::strftime(when, sizeof when, "%a %b %e %H:%M:%S", &tm);
        const std::string id = q.id + mark;
        const std::string sender = q.error.empty() ? (q.env.sender.empty() ? "MAILER-DAEMON" : q.env.sender) : "(unreadable)";
        // Postfix's "%-10s%c%8ld %20.20s %s": ID and mark in 11 columns, size in 8, so the
        // recipients line up at column 41. A longer ID pushes the line right by what it overflows.
        std::snprintf(line, sizeof line, "%-11s%8llu %s  %s\n", id.size() < 11 ? id.c_str() : (id + " ").c_str(),
                      static_cast<unsigned long long>(q.size), when, printable(sender, 300).c_str());
        out += line;
        total += q.size;
        for (const auto& r : q.env.recipients) {
            if (r.state != RecipientState::Pending) continue;
            for (const auto& [rcpt, reason] : q.reasons)
                if (rcpt == r.address) out += "(" + printable(reason, 300) + ")\n";
            out += std::string(41, ' ') + printable(r.address, 300) + "\n";
        }
        out += "\n";
    }
    const std::size_t n = entries.size();
    std::snprintf(line, sizeof line, "-- %llu Kbytes in %zu Request%s.\n",
                  static_cast<unsigned long long>(total / 1024), n, n == 1 ? "" : "s");
    out += line;
    return out;
}

std::string format_json(const std::vector<QueueEntry>& entries) {
    std::string out;
    for (const auto& q : entries) {
        out += "{\"queue_name\": " + json_string(q.folder) + ", \"queue_id\": " + json_string(q.id) +
               ", \"arrival_time\": " + std::to_string(q.env.arrival_sec) +
               ", \"message_size\": " + std::to_string(q.size) + ", \"forced_expire\": false, \"sender\": " +
               json_string(q.env.sender) + ", \"recipients\": [";
        bool first = true;
        for (const auto& r : q.env.recipients) {
            if (r.state != RecipientState::Pending) continue;
            out += first ? "" : ", ";
            first = false;
            out += "{\"address\": " + json_string(r.address);
            for (const auto& [rcpt, reason] : q.reasons)
                if (rcpt == r.address) out += ", \"delay_reason\": " + json_string(reason);
            out += "}";
        }
        out += "]}\n";
    }
    return out;
}

}  // namespace tern::queue
