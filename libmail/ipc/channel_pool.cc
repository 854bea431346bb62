#include "libmail/ipc/channel_pool.h"

#include <algorithm>

namespace tern::ipc {

ChannelPool::ChannelPool(event_base* base, std::string path, std::size_t max_idle)
    : base_(base), path_(std::move(path)), max_idle_(max_idle), reaper_(event_new(base, -1, 0, on_reap, this)) {}

Result<ChannelPool::Lease> ChannelPool::take(bool fresh) {
    if (!fresh && !idle_.empty()) {
        Lease l{std::move(idle_.back()), true};
        idle_.pop_back();
        l.chan->on_message(nullptr);
        l.chan->on_close(nullptr);
        return l;
    }
    auto fd = connect_unix(path_);
    if (!fd) return fd.error();
    return Lease{std::make_unique<AttrChannel>(base_, std::move(*fd)), false};
}

void ChannelPool::give_back(std::unique_ptr<AttrChannel> chan) {
    if (!chan || !chan->is_open()) {
        if (chan) closed_.push_back(std::move(chan));
        event_active(reaper_.get(), EV_TIMEOUT, 0);
        return;
    }
    if (idle_.size() >= max_idle_) {
        chan->on_message(nullptr);
        chan->on_close(nullptr);
        chan->close_when_flushed();
        closed_.push_back(std::move(chan));
        event_active(reaper_.get(), EV_TIMEOUT, 0);
        return;
    }
    AttrChannel* raw = chan.get();
    // Nothing is expected on an idle connection: anything is a reason to stop using it.
    chan->on_message([this, raw](AttrList&&) { drop(raw); });
    chan->on_close([this, raw](const std::string&) { drop(raw); });
    idle_.push_back(std::move(chan));
}

void ChannelPool::drop(AttrChannel* chan) {
    auto it = std::find_if(idle_.begin(), idle_.end(), [chan](const auto& c) { return c.get() == chan; });
    if (it == idle_.end()) return;
    closed_.push_back(std::move(*it));
    idle_.erase(it);
    event_active(reaper_.get(), EV_TIMEOUT, 0);
}

void ChannelPool::on_reap(evutil_socket_t, short, void* ctx) noexcept {
    static_cast<ChannelPool*>(ctx)->closed_.clear();
}

}  // namespace tern::ipc
