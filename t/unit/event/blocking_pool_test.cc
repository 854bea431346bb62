#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "libmail/event/blocking_pool.h"
#include "t/unit/run_loop.h"

using namespace tern;

TEST_CASE("blocking jobs run on the pool's threads, their dones on the loop", "[event][pool]") {
    EventBasePtr base(event_base_new());
    BlockingPool pool(base.get(), 4);
    const auto loop_thread = std::this_thread::get_id();
    std::atomic<int> running{0}, most{0};
    int done_count = 0;
    bool all_done = false;
    bool dones_on_loop = true, work_off_loop = true;
    for (int i = 0; i < 8; ++i) {
        pool.submit(
            [&] {
                work_off_loop = work_off_loop && std::this_thread::get_id() != loop_thread;
                const int now = ++running;
                for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a slow fsync
                --running;
            },
            [&] {
                dones_on_loop = dones_on_loop && std::this_thread::get_id() == loop_thread;
                all_done = ++done_count == 8;
            });
    }
    const auto t0 = std::chrono::steady_clock::now();
    test::run_until(base.get(), all_done);
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(all_done);
    CHECK(dones_on_loop);
    CHECK(work_off_loop);
    CHECK(most.load() > 1);                          // jobs overlap...
    CHECK(took < std::chrono::milliseconds(350));    // ...so 8 x 50 ms take far less than 400 ms
}

TEST_CASE("a pool going away finishes the work it was given but runs no done", "[event][pool]") {
    EventBasePtr base(event_base_new());
    std::atomic<int> worked{0};
    bool done_ran = false;
    {
        BlockingPool pool(base.get(), 1);
        for (int i = 0; i < 3; ++i)
            pool.submit([&] { std::this_thread::sleep_for(std::chrono::milliseconds(10)), ++worked; },
                        [&] { done_ran = true; });
    }
    CHECK(worked == 3);
    CHECK_FALSE(done_ran);
}
