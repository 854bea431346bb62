// Telling IDLE sessions at once when their mailbox changes (RFC 2177: new
// mail should reach an idling client promptly). One inotify instance per
// imapd process watches the folders idling sessions have selected (the
// folder itself for index rewrites, new/ for deliveries, cur/ for flag
// renames and expunges); a session registers a callback and gets it after
// any change. A watch that cannot be added (inotify limits) is simply
// missing: the session's periodic poll still finds the change.
#pragma once

#include <event2/event.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "libmail/core/unique_fd.h"
#include "libmail/event/event_ptrs.h"

namespace tern::imapd {

class MailboxWatch {
public:
    using Callback = std::function<void()>;

    // false when inotify is not available (the caller polls instead).
    bool start(event_base* base);

    // Calls cb after changes in the Maildir folder at path; 0 when the folder
    // cannot be watched. The token ends the watch (unwatch).
    std::uint64_t watch(const std::string& folder_path, Callback cb);
    void unwatch(std::uint64_t token);

private:
    static void on_events(evutil_socket_t, short, void* ctx) noexcept;
    void drain();

    struct Watcher {
        std::vector<int> wds;
        Callback cb;
    };
    UniqueFd fd_;
    EventPtr ev_;
    std::uint64_t next_token_ = 1;
    std::map<std::uint64_t, Watcher> watchers_;
    std::map<int, int> wd_users_;  // inotify gives one wd per directory: count its users
};

}  // namespace tern::imapd
