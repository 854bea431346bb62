// BlockingPool: a few threads for the part of a job that blocks on the disk
// (the fsyncs of a queue file or a Maildir delivery), so one event loop keeps
// serving its other connections meanwhile, and concurrent jobs share the
// file system's journal commits (group commit) instead of queueing behind
// one another (DESIGN.md "Event loops": measure, then move it off the loop).
// A job's work runs on a pool thread and must touch only what the job owns;
// its done runs afterwards on the loop thread. Everything the two share is
// handed over by the pool's lock.
#pragma once

#include <event2/event.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "libmail/core/unique_fd.h"
#include "libmail/event/event_ptrs.h"

namespace tern {

class BlockingPool {
public:
    BlockingPool(event_base* base, std::size_t threads);
    // Lets the threads finish every job already submitted (nothing is left
    // half done), then joins them; the dones not run yet are dropped here, on
    // the calling (loop) thread.
    ~BlockingPool();
    BlockingPool(const BlockingPool&) = delete;
    BlockingPool& operator=(const BlockingPool&) = delete;

    void submit(std::function<void()> work, std::function<void()> done);

private:
    struct Job {
        std::function<void()> work, done;
    };
    static void on_wake(evutil_socket_t fd, short, void* self) noexcept;
    void run_thread();

    event_base* base_;
    UniqueFd wake_fd_;  // eventfd: a thread finished a job
    EventPtr wake_ev_;
    std::mutex lock_;
    std::condition_variable work_ready_;
    std::deque<Job> queued_, finished_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace tern
