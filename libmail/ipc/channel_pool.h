// ChannelPool: connections to one service socket kept open between
// requests, so that a request costs neither a connect here nor an accept
// there (qmgr to its delivery agents, smtpd and local to authd).
// A connection carries one request at a time: the caller takes one, sends,
// and gives it back once the answer came. An idle connection the service
// closes (it exited, or was restarted by master) is dropped. A request whose
// reused connection closes before the answer was most likely sent to a
// service on its way out: the caller asks again once on a fresh connection
// (Lease::reused says when that applies).
#pragma once

#include <event2/event.h>

#include <memory>
#include <string>
#include <vector>

#include "libmail/core/result.h"
#include "libmail/event/event_ptrs.h"
#include "libmail/ipc/attr_channel.h"

namespace tern::ipc {

class ChannelPool {
public:
    // max_idle: connections kept while unused; more are closed when given back.
    ChannelPool(event_base* base, std::string path, std::size_t max_idle);
    ChannelPool(const ChannelPool&) = delete;
    ChannelPool& operator=(const ChannelPool&) = delete;

    struct Lease {
        std::unique_ptr<AttrChannel> chan;
        bool reused = false;  // it served an earlier request
    };
    // An idle connection, or (fresh, or none idle) a new one.
    [[nodiscard]] Result<Lease> take(bool fresh = false);
    // A connection whose last request was answered in full. Its callbacks
    // are replaced; the caller keeps none. May be called from inside the
    // channel's own on_message callback.
    void give_back(std::unique_ptr<AttrChannel> chan);

    std::size_t idle_count() const { return idle_.size(); }
    event_base* base() const { return base_; }
    const std::string& path() const { return path_; }

private:
    void drop(AttrChannel* chan);
    static void on_reap(evutil_socket_t, short, void* ctx) noexcept;

    event_base* base_;
    std::string path_;
    std::size_t max_idle_;
    std::vector<std::unique_ptr<AttrChannel>> idle_;
    std::vector<std::unique_ptr<AttrChannel>> closed_;  // freed off their own callbacks
    EventPtr reaper_;
};

}  // namespace tern::ipc
