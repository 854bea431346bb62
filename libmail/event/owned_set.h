// OwnedSet<T>: owns the objects of one kind that a daemon serves (sessions,
// IPC channels, delivery jobs) and frees a retired one on the next loop turn,
// never inside its own callback (STYLE.md example 3). Retiring twice is harmless.
#pragma once

#include <event2/event.h>

#include <cstddef>
#include <memory>
#include <unordered_map>
#include <vector>

#include "libmail/event/event_ptrs.h"

namespace tern {

template <class T>
class OwnedSet {
public:
    OwnedSet() = default;
    explicit OwnedSet(event_base* base) { attach(base); }
    OwnedSet(const OwnedSet&) = delete;
    OwnedSet& operator=(const OwnedSet&) = delete;
    ~OwnedSet() {
        graveyard_.clear();
        live_.clear();
    }

    // For owners built before the loop exists.
    void attach(event_base* base) { reaper_.reset(event_new(base, -1, 0, on_reap, this)); }

    // Takes ownership; returns the raw pointer callbacks use to name the object.
    T* add(std::unique_ptr<T> p) {
        T* raw = p.get();
        live_.emplace(raw, std::move(p));
        return raw;
    }
    // Stops owning p now and frees it on the next loop turn.
    void retire(T* p) {
        auto node = live_.extract(p);
        if (node.empty()) return;
        graveyard_.push_back(std::move(node.mapped()));
        event_active(reaper_.get(), EV_TIMEOUT, 0);
    }
    bool empty() const { return live_.empty(); }
    std::size_t size() const { return live_.size(); }

private:
    static void on_reap(evutil_socket_t, short, void* ctx) noexcept { static_cast<OwnedSet*>(ctx)->graveyard_.clear(); }

    std::unordered_map<T*, std::unique_ptr<T>> live_;
    std::vector<std::unique_ptr<T>> graveyard_;
    EventPtr reaper_;
};

}  // namespace tern
