#include "imapd/mailbox_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cstring>
#include <set>

#include "libmail/core/log.h"

namespace tern::imapd {

namespace {
constexpr std::uint32_t kEvents = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR;
}

bool MailboxWatch::start(event_base* base) {
    fd_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!fd_) {
        log::warning("inotify_init1: %s; IDLE falls back to polling", std::strerror(errno));
        return false;
    }
    ev_.reset(event_new(base, fd_.get(), EV_READ | EV_PERSIST, on_events, this));
    if (!ev_ || event_add(ev_.get(), nullptr) != 0) {
        fd_.reset();
        return false;
    }
    return true;
}

std::uint64_t MailboxWatch::watch(const std::string& folder_path, Callback cb) {
    if (!fd_) return 0;
    Watcher w;
    for (const char* sub : {"", "/new", "/cur"}) {
        const std::string dir = folder_path + sub;
        const int wd = ::inotify_add_watch(fd_.get(), dir.c_str(), kEvents);
        if (wd < 0) {
            log::warning("inotify_add_watch %s: %s", dir.c_str(), std::strerror(errno));
            for (int d : w.wds)
                if (--wd_users_[d] == 0) {
                    ::inotify_rm_watch(fd_.get(), d);
                    wd_users_.erase(d);
                }
            return 0;
        }
        ++wd_users_[wd];
        w.wds.push_back(wd);
    }
    w.cb = std::move(cb);
    const std::uint64_t token = next_token_++;
    watchers_.emplace(token, std::move(w));
    return token;
}

void MailboxWatch::unwatch(std::uint64_t token) {
    auto it = watchers_.find(token);
    if (it == watchers_.end()) return;
    for (int wd : it->second.wds) {
        if (--wd_users_[wd] > 0) continue;
        ::inotify_rm_watch(fd_.get(), wd);
        wd_users_.erase(wd);
    }
    watchers_.erase(it);
}

void MailboxWatch::on_events(evutil_socket_t, short, void* ctx) noexcept { static_cast<MailboxWatch*>(ctx)->drain(); }

void MailboxWatch::drain() {
    std::set<int> touched;
    alignas(inotify_event) char buf[16384];
    for (;;) {
        const ssize_t n = ::read(fd_.get(), buf, sizeof buf);
        if (n <= 0) break;  // EAGAIN: all read
        for (ssize_t off = 0; off < n;) {
            const auto* e = reinterpret_cast<const inotify_event*>(buf + off);
            touched.insert(e->wd);
            off += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
        }
    }
    if (touched.empty()) return;
    // Callbacks may unwatch (the session leaves IDLE): collect first.
    std::vector<std::uint64_t> due;
    for (const auto& [token, w] : watchers_)
        for (int wd : w.wds)
            if (touched.count(wd)) {
                due.push_back(token);
                break;
            }
    for (auto token : due) {
        auto it = watchers_.find(token);
        if (it != watchers_.end()) it->second.cb();
    }
}

}  // namespace tern::imapd
