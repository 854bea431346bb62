#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>
#include <vector>

#include "libmail/core/file_io.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_file.h"
#include "libmail/queue/queue_writer.h"
#include "libmail/queue/spare_files.h"
#include "t/unit/queue/commit_message.h"
#include "t/unit/temp_dir.h"

using namespace tern;
using namespace tern::queue;

namespace {

ino_t inode_of(const std::string& path) {
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_ino;
}

std::size_t count(const std::string& dir) {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.path().filename().string()[0] != '.';
    return n;
}

std::string commit_message(const std::string& queue, const std::string& body) {
    Envelope env;
    env.arrival_sec = 1795000000;
    env.sender = "s@example.test";
    env.recipients.push_back({"r@example.test", "", 0});
    return test::commit_message(queue, env, body);
}

}  // namespace

TEST_CASE("a finished message's file is reused for the next one, cut to its new length", "[queue]") {
    test::TempDir dir;
    const std::string q = dir.path();
    REQUIRE(create_queue_dirs(q, ::getuid(), ::getgid()));
    const std::string first = commit_message(q, std::string(20000, 'a') + "\n");
    REQUIRE(rename_queue_file(q, "incoming", "active", first));
    const ino_t inode = inode_of(queue_path(q, "active", first));
    SpareKeeper keeper(q);
    REQUIRE(keeper.retire("active", first));
    CHECK(count(q + "/active") == 0);
    CHECK(count(q + "/spare") == 1);

    // The first commit found spare/ empty; a writer lists it again after 100 ms at the earliest.
    ::usleep(150 * 1000);
    const std::string second = commit_message(q, "short\n");
    const std::string path = queue_path(q, "incoming", second);
    CHECK(inode_of(path) == inode);  // no inode freed, none allocated
    CHECK(count(q + "/spare") == 0);
    auto qf = read_queue_file(path);  // nothing of the longer old message is left after the End record
    REQUIRE(qf);
    CHECK(qf->content_bytes == 6);
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(st.st_size == qf->file_size);
    CHECK((st.st_mode & 0777) == 0640);

    SECTION("without a spare a new file is made") {
        ::usleep(150 * 1000);
        const std::string third = commit_message(q, "x\n");
        CHECK(inode_of(queue_path(q, "incoming", third)) != inode);
    }
}

TEST_CASE("spare/ holds a bounded number of files; without it files are unlinked", "[queue]") {
    test::TempDir dir;
    const std::string q = dir.path();
    REQUIRE(create_queue_dirs(q, ::getuid(), ::getgid()));
    SpareKeeper keeper(q);
    for (std::size_t i = 0; i < kMaxSpareFiles + 3; ++i) {
        const std::string id = "F" + std::to_string(i);
        REQUIRE(write_file_atomic(queue_path(q, "active", id), "x"));
        REQUIRE(keeper.retire("active", id));
    }
    CHECK(count(q + "/spare") == kMaxSpareFiles);
    CHECK(count(q + "/active") == 0);

    std::filesystem::remove_all(q + "/spare");
    SpareKeeper fresh(q);
    REQUIRE(write_file_atomic(queue_path(q, "active", "G"), "x"));
    REQUIRE(fresh.retire("active", "G"));
    CHECK(count(q + "/active") == 0);
    auto gone = fresh.retire("active", "G");  // a file that is not there is an error naming it
    REQUIRE_FALSE(gone);
    CHECK(gone.error().message.find(queue_path(q, "active", "G")) != std::string::npos);
}

TEST_CASE("while writers take spares, qmgr keeps every retired file, however fast", "[queue]") {
    test::TempDir dir;
    const std::string q = dir.path();
    REQUIRE(create_queue_dirs(q, ::getuid(), ::getgid()));
    SpareKeeper keeper(q);
    // Three times the bound, faster than any recount interval: the writer
    // takes each spare as qmgr makes it, so spare/ never nears its bound.
    for (std::size_t i = 0; i < 3 * kMaxSpareFiles; ++i) {
        const std::string id = "F" + std::to_string(i);
        REQUIRE(write_file_atomic(queue_path(q, "active", id), "x"));
        REQUIRE(keeper.retire("active", id));
        REQUIRE(count(q + "/spare") == 1);  // kept, not unlinked
        auto taken = take_spare(q);  // at once, without waiting for a new list
        REQUIRE(taken);
        REQUIRE(::rename(taken->path.c_str(), queue_path(q, "incoming", id).c_str()) == 0);
        REQUIRE(count(q + "/spare") == 0);
    }
}

TEST_CASE("a spare is taken by one writer at a time; one given up is taken again", "[queue]") {
    test::TempDir dir;
    const std::string q = dir.path();
    REQUIRE(create_queue_dirs(q, ::getuid(), ::getgid()));
    REQUIRE(write_file_atomic(queue_path(q, "spare", "S1"), "old"));
    const std::string path = queue_path(q, "spare", "S1");
    auto first = take_spare(q);
    REQUIRE(first);
    CHECK(first->path == path);
    CHECK_FALSE(take_spare(q));  // locked by the first writer, though still in spare/
    SECTION("a writer that gives it up leaves it a spare") {
        first.reset();
        auto again = take_spare(q);
        REQUIRE(again);
        CHECK(again->path == path);
    }
}

TEST_CASE("writers on several threads never share a spare", "[queue]") {
    test::TempDir dir;
    const std::string q = dir.path();
    REQUIRE(create_queue_dirs(q, ::getuid(), ::getgid()));
    for (int i = 0; i < 40; ++i) REQUIRE(write_file_atomic(queue_path(q, "spare", "S" + std::to_string(i)), "old"));
    constexpr int kThreads = 8, kEach = 25;
    std::vector<std::vector<std::pair<std::string, std::string>>> made(kThreads);  // id, body
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                const std::string body = "thread " + std::to_string(t) + " message " + std::to_string(i) + "\n";
                auto w = QueueWriter::create(q);
                Envelope env;
                env.arrival_sec = 1795000000;
                env.recipients.push_back({"r@example.test", "", 0});
                if (!w || !w->write_envelope(env) || !w->write_content(body)) continue;
                if (auto id = w->commit()) made[t].emplace_back(*id, body);
            }
        });
    }
    for (auto& th : threads) th.join();
    std::size_t total = 0;
    for (const auto& list : made) {
        for (const auto& [id, body] : list) {
            ++total;
            const std::string path = queue_path(q, "incoming", id);
            auto qf = read_queue_file(path);
            REQUIRE(qf);
            CHECK(qf->content_bytes == body.size());
            auto raw = read_file(path, 1 << 20);
            REQUIRE(raw);
            CHECK(raw->find(body) != std::string::npos);
        }
    }
    CHECK(total == kThreads * kEach);
    CHECK(count(q + "/incoming") == total);  // every message its own file
    CHECK(count(q + "/spare") == 0);         // and the 40 spares were all used
}

TEST_CASE("postdrop's files in maildrop/ never take a spare", "[queue]") {
    test::TempDir dir;
    const std::string q = dir.path();
    REQUIRE(create_queue_dirs(q, ::getuid(), ::getgid()));
    REQUIRE(write_file_atomic(queue_path(q, "spare", "S1"), "old"));
    auto w = QueueWriter::create_in(q, "maildrop", 0444);
    REQUIRE(w);
    Envelope env;
    env.arrival_sec = 1795000000;
    env.recipients.push_back({"r@example.test", "", 0});
    REQUIRE(w->write_envelope(env));
    REQUIRE(w->commit_into("maildrop"));
    CHECK(count(q + "/spare") == 1);
}
