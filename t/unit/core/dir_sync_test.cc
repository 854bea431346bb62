#include "libmail/core/dir_sync.h"

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "libmail/core/file_io.h"
#include "t/unit/temp_dir.h"

using namespace tern;

TEST_CASE("a lone directory fsync is one fsync", "[core]") {
    test::TempDir dir;
    REQUIRE(write_file_atomic(dir.path() + "/f", "x"));
    const auto before = dir_sync_counts();
    REQUIRE(fsync_dir_grouped(dir.path()));
    const auto after = dir_sync_counts();
    CHECK(after.calls == before.calls + 1);
    CHECK(after.fsyncs == before.fsyncs + 1);
}

TEST_CASE("a directory that cannot be opened is an error naming it", "[core]") {
    auto r = fsync_dir_grouped("/nonexistent-tern-dir/new");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ENOENT);
    CHECK(r.error().message.find("/nonexistent-tern-dir/new") != std::string::npos);
}

namespace {

// Eight threads that each write `each` files into tmp/, rename them into new/
// and have new/ fsync'ed: how many succeeded, and what the fsync rounds did.
struct Storm {
    int ok = 0;
    std::uint64_t calls = 0, fsyncs = 0, gathered = 0;
};
Storm rename_storm(int each, std::chrono::microseconds gather) {
    test::TempDir dir;
    const std::string tmp = dir.path() + "/tmp", dest = dir.path() + "/new";
    REQUIRE(::mkdir(tmp.c_str(), 0700) == 0);
    REQUIRE(::mkdir(dest.c_str(), 0700) == 0);
    constexpr int kThreads = 8;
    std::atomic<int> ok{0};
    const auto before = dir_sync_counts();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < each; ++i) {
                const std::string name = "/m" + std::to_string(t) + "." + std::to_string(i);
                if (write_file_atomic(tmp + name, "message\n") &&
                    ::rename((tmp + name).c_str(), (dest + name).c_str()) == 0 && fsync_dir_grouped(dest, gather))
                    ++ok;
            }
        });
    }
    for (auto& th : threads) th.join();
    const auto after = dir_sync_counts();
    return {ok.load(), after.calls - before.calls, after.fsyncs - before.fsyncs, after.gathered - before.gathered};
}

}  // namespace

TEST_CASE("threads renaming into one directory share its fsyncs, and all succeed", "[core]") {
    const Storm s = rename_storm(50, std::chrono::microseconds(0));
    CHECK(s.ok == 8 * 50);
    CHECK(s.calls == 8 * 50);
    CHECK(s.fsyncs < s.calls);  // some fsyncs served several renames
    CHECK(s.gathered == 0);     // no window asked for
}

TEST_CASE("a caller alone in a quiet directory does not wait to gather others", "[core]") {
    test::TempDir dir;
    REQUIRE(write_file_atomic(dir.path() + "/f", "x"));
    const auto gather = std::chrono::milliseconds(1);
    REQUIRE(fsync_dir_grouped(dir.path(), gather));
    // Quiet: its last round began far more than a few windows ago.
    std::this_thread::sleep_for(50 * gather);
    const auto before = dir_sync_counts();
    REQUIRE(fsync_dir_grouped(dir.path(), gather));
    const auto after = dir_sync_counts();
    CHECK(after.gathered == before.gathered);
    CHECK(after.fsyncs == before.fsyncs + 1);
}

TEST_CASE("a lone caller calling again and again never waits to gather others", "[core]") {
    test::TempDir dir;
    REQUIRE(write_file_atomic(dir.path() + "/f", "x"));
    const auto before = dir_sync_counts();
    for (int i = 0; i < 20; ++i) REQUIRE(fsync_dir_grouped(dir.path(), std::chrono::milliseconds(50)));
    const auto after = dir_sync_counts();
    CHECK(after.gathered == before.gathered);  // each round served one caller
    CHECK(after.fsyncs == before.fsyncs + 20);
}

TEST_CASE("while a directory is busy, a round gathers the callers that come during its wait", "[core]") {
    const Storm s = rename_storm(20, std::chrono::milliseconds(5));
    CHECK(s.ok == 8 * 20);
    CHECK(s.gathered > 0);
    // Eight threads, each back within microseconds, and a 5 ms window: rounds of several.
    CHECK(s.fsyncs * 2 <= s.calls);
}

TEST_CASE("a round does not wait for callers that cannot come", "[core]") {
    // Three threads calling again and again, as deliveries under a concurrency
    // limit of 3: a round that has as many callers as the last one starts at
    // once instead of waiting out its window for a fourth that never comes.
    test::TempDir dir;
    REQUIRE(write_file_atomic(dir.path() + "/f", "x"));
    const auto before = dir_sync_counts();
    const auto t0 = std::chrono::steady_clock::now();
    auto caller = [&] {
        for (int i = 0; i < 20; ++i) REQUIRE(fsync_dir_grouped(dir.path(), std::chrono::seconds(1)));
    };
    std::thread a(caller), b(caller), c(caller);
    a.join();
    b.join();
    c.join();
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    const auto gathered = dir_sync_counts().gathered - before.gathered;
    CHECK(gathered > 0);  // rounds of several formed, and gathered
    // Every round that gathered and waited out its window would have taken a second.
    CHECK(elapsed < std::chrono::seconds(1) * (gathered / 2 + 1));
}
