#include "libmail/event/blocking_pool.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>

namespace tern {

BlockingPool::BlockingPool(event_base* base, std::size_t threads)
    : base_(base), wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (!wake_fd_) throw std::runtime_error("eventfd failed");
    wake_ev_.reset(event_new(base_, wake_fd_.get(), EV_READ | EV_PERSIST, &BlockingPool::on_wake, this));
    event_add(wake_ev_.get(), nullptr);
    // Signals stay with the loop thread: the threads start with all blocked.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run_thread(); });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

BlockingPool::~BlockingPool() {
    {
        std::lock_guard<std::mutex> g(lock_);
        stopping_ = true;
    }
    work_ready_.notify_all();
    for (auto& t : threads_) t.join();
}

void BlockingPool::submit(std::function<void()> work, std::function<void()> done) {
    {
        std::lock_guard<std::mutex> g(lock_);
        queued_.push_back(Job{std::move(work), std::move(done)});
    }
    work_ready_.notify_one();
}

void BlockingPool::run_thread() {
    for (;;) {
        Job job;
        {
            std::unique_lock<std::mutex> g(lock_);
            work_ready_.wait(g, [this] { return stopping_ || !queued_.empty(); });
            if (queued_.empty()) return;  // stopping, and nothing left to do
            job = std::move(queued_.front());
            queued_.pop_front();
        }
        job.work();
        job.work = nullptr;  // what it holds goes with done, on the loop thread
        {
            std::lock_guard<std::mutex> g(lock_);
            finished_.push_back(std::move(job));
        }
        const std::uint64_t one = 1;
        [[maybe_unused]] ssize_t n = ::write(wake_fd_.get(), &one, sizeof one);
    }
}

void BlockingPool::on_wake(evutil_socket_t fd, short, void* self) noexcept {
    auto* pool = static_cast<BlockingPool*>(self);
    std::uint64_t count = 0;
    [[maybe_unused]] ssize_t n = ::read(fd, &count, sizeof count);
    std::deque<Job> done;
    {
        std::lock_guard<std::mutex> g(pool->lock_);
        done.swap(pool->finished_);
    }
    for (auto& job : done) job.done();
}

}  // namespace tern
