#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>
#include <vector>

#include "libmail/core/file_io.h"
#include "libmail/queue/queue_admin.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_scan.h"
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

mode_t mode_of(const std::string& path) {
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

// A file in incoming/ that qmgr has readied as a spare.
void make_ready_spare(const std::string& q, const std::string& id, const std::string& old_content) {
    const std::string path = queue_path(q, "incoming", id);
    REQUIRE(write_file_atomic(path, old_content));
    REQUIRE(::chmod(path.c_str(), kReadySpareMode) == 0);
}

std::vector<std::string> names_with_mode(const std::string& q, mode_t mode) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(q + "/incoming"))
        if (mode_of(e.path()) == mode) out.push_back(e.path().filename());
    return out;
}
std::vector<std::string> preparing_in_incoming(const std::string& q) { return names_with_mode(q, kPreparingSpareMode); }
std::size_t spares_in_incoming(const std::string& q) {
    return preparing_in_incoming(q).size() + names_with_mode(q, kReadySpareMode).size();
}

// Past the writers' pause after a list without a spare to take.
void after_relist_pause() { ::usleep(30 * 1000); }

Envelope one_recipient() {
    Envelope env;
    env.arrival_sec = 1795000000;
    env.sender = "s@example.test";
    env.recipients.push_back({"r@example.test", "", 0});
    return env;
}

std::string commit_message(const std::string& queue, const std::string& body) {
    return test::commit_message(queue, one_recipient(), body);
}

}  // namespace

TEST_CASE("a finished message's file is written in place for the next one, under a new ID, cut to its new length",
          "[queue]") {
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
    REQUIRE(keeper.top_up({}));  // into incoming/, under a new ID, made ready
    CHECK(count(q + "/spare") == 0);
    REQUIRE(count(q + "/incoming") == 1);
    const std::string spare_id = std::filesystem::directory_iterator(q + "/incoming")->path().filename();
    CHECK(spare_id != first);
    CHECK(mode_of(queue_path(q, "incoming", spare_id)) == kReadySpareMode);
    CHECK(list_message_ids(q, "incoming").empty());  // not a message: postsuper and mailq pass over it
    CHECK(scan_queue(q, {"incoming"}).empty());

    after_relist_pause();
    const std::string second = commit_message(q, "short\n");
    CHECK(second == spare_id);  // the spare's name is the new message's queue ID
    const std::string path = queue_path(q, "incoming", second);
    CHECK(inode_of(path) == inode);  // no inode freed, none allocated, no rename
    CHECK(count(q + "/incoming") == 1);
    auto qf = read_queue_file(path);  // nothing of the longer old message is left after the End record
    REQUIRE(qf);
    CHECK(qf->content_bytes == 6);
    CHECK(qf->seal_id == second);
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(st.st_size == qf->file_size);
    CHECK((st.st_mode & 07777) == 0640);  // marked complete
    CHECK(list_message_ids(q, "incoming") == std::vector<std::string>{second});

    SECTION("without a spare a new file is made") {
        after_relist_pause();
        const std::string third = commit_message(q, "x\n");
        CHECK(inode_of(queue_path(q, "incoming", third)) != inode);
    }
}

TEST_CASE("a spare is taken only once its name is durable", "[queue]") {
    test::TempDir dir;
    const std::string q = dir.path();
    REQUIRE(create_queue_dirs(q, ::getuid(), ::getgid()));
    const std::string path = queue_path(q, "incoming", "P1");
    REQUIRE(write_file_atomic(path, "old"));
    REQUIRE(::chmod(path.c_str(), kPreparingSpareMode) == 0);
    after_relist_pause();
    CHECK_FALSE(take_spare(q));
    CHECK(list_message_ids(q, "incoming").empty());
    SpareKeeper keeper(q);
    REQUIRE(keeper.top_up({0, {"P1"}}));  // qmgr found it preparing: fsync of incoming/, then ready
    CHECK(mode_of(path) == kReadySpareMode);
    after_relist_pause();
    auto taken = take_spare(q);
    REQUIRE(taken);
    CHECK(taken->id == "P1");
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
    REQUIRE(keeper.top_up({}));  // incoming/ gets kReadySpares of them
    CHECK(count(q + "/incoming") == kReadySpares);
    CHECK(count(q + "/spare") == kMaxSpareFiles - kReadySpares);
    REQUIRE(keeper.top_up({kReadySpares, {}}));  // enough ready: none more
    CHECK(count(q + "/incoming") == kReadySpares);

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
    after_relist_pause();
    // Three times the bound, faster than any recount interval: the writer
    // takes each spare as qmgr readies it, so spare/ never nears its bound.
    for (std::size_t i = 0; i < 3 * kMaxSpareFiles; ++i) {
        const std::string id = "F" + std::to_string(i);
        REQUIRE(write_file_atomic(queue_path(q, "active", id), "x"));
        REQUIRE(keeper.retire("active", id));
        REQUIRE(count(q + "/active") == 0);
        REQUIRE(count(q + "/spare") + spares_in_incoming(q) == 1);  // kept, not unlinked
        REQUIRE(keeper.top_up({0, preparing_in_incoming(q)}));
        auto taken = take_spare(q);  // at once, without waiting for a new list
        REQUIRE(taken);
        REQUIRE(::unlink(taken->path.c_str()) == 0);  // a message now, and gone
        REQUIRE(count(q + "/spare") + spares_in_incoming(q) == 0);
    }
}

TEST_CASE("a spare is taken by one writer at a time; one given up is taken again", "[queue]") {
    test::TempDir dir;
    const std::string q = dir.path();
    REQUIRE(create_queue_dirs(q, ::getuid(), ::getgid()));
    make_ready_spare(q, "S1", "old");
    after_relist_pause();
    auto first = take_spare(q);
    REQUIRE(first);
    CHECK(first->id == "S1");
    CHECK(first->path == queue_path(q, "incoming", "S1"));
    CHECK_FALSE(take_spare(q));  // locked by the first writer
    SECTION("a writer that gives it up leaves it a spare") {
        first.reset();
        after_relist_pause();
        auto again = take_spare(q);
        REQUIRE(again);
        CHECK(again->id == "S1");
    }
    SECTION("a writer that drops its message leaves it a spare, whatever it wrote") {
        first.reset();
        after_relist_pause();
        auto w = QueueWriter::create(q);
        REQUIRE(w);
        CHECK(w->id() == "S1");
        REQUIRE(w->write_envelope(one_recipient()));
        REQUIRE(w->write_content(std::string(300 * 1024, 'x')));  // written out, past the batch size
        w->abort();
        CHECK(mode_of(queue_path(q, "incoming", "S1")) == kReadySpareMode);
        CHECK(list_message_ids(q, "incoming").empty());
    }
}

TEST_CASE("writers on several threads never share a spare", "[queue]") {
    test::TempDir dir;
    const std::string q = dir.path();
    REQUIRE(create_queue_dirs(q, ::getuid(), ::getgid()));
    for (int i = 0; i < 40; ++i) make_ready_spare(q, "S" + std::to_string(i), "old");
    after_relist_pause();
    constexpr int kThreads = 8, kEach = 25;
    std::vector<std::vector<std::pair<std::string, std::string>>> made(kThreads);  // id, body
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                const std::string body = "thread " + std::to_string(t) + " message " + std::to_string(i) + "\n";
                auto w = QueueWriter::create(q);
                if (!w || !w->write_envelope(one_recipient()) || !w->write_content(body)) continue;
                if (auto id = w->commit()) made[t].emplace_back(*id, body);
            }
        });
    }
    for (auto& th : threads) th.join();
    std::size_t total = 0, in_spares = 0;
    for (const auto& list : made) {
        for (const auto& [id, body] : list) {
            ++total;
            in_spares += id[0] == 'S';
            const std::string path = queue_path(q, "incoming", id);
            auto qf = read_queue_file(path);
            REQUIRE(qf);
            CHECK(qf->content_bytes == body.size());
            CHECK(qf->seal_id == id);
            auto raw = read_file(path, 1 << 20);
            REQUIRE(raw);
            CHECK(raw->find(body) != std::string::npos);
        }
    }
    CHECK(total == kThreads * kEach);
    CHECK(count(q + "/incoming") == total);                   // every message its own file
    CHECK(in_spares == 40);                                   // and the 40 spares were all used
    CHECK(list_message_ids(q, "incoming").size() == total);  // none left a spare
}

TEST_CASE("postdrop's files in maildrop/ never take a spare", "[queue]") {
    test::TempDir dir;
    const std::string q = dir.path();
    REQUIRE(create_queue_dirs(q, ::getuid(), ::getgid()));
    make_ready_spare(q, "S1", "old");
    after_relist_pause();
    auto w = QueueWriter::create_in(q, "maildrop", 0444);
    REQUIRE(w);
    REQUIRE(w->write_envelope(one_recipient()));
    REQUIRE(w->commit_into("maildrop"));
    CHECK(mode_of(queue_path(q, "incoming", "S1")) == kReadySpareMode);
}

TEST_CASE("a message held at once is written over a spare, then moved to hold/", "[queue]") {
    test::TempDir dir;
    const std::string q = dir.path();
    REQUIRE(create_queue_dirs(q, ::getuid(), ::getgid()));
    make_ready_spare(q, "S1", "old");
    after_relist_pause();
    auto w = QueueWriter::create(q);
    REQUIRE(w);
    REQUIRE(w->id() == "S1");
    REQUIRE(w->write_envelope(one_recipient()));
    REQUIRE(w->write_content("held\n"));
    REQUIRE(w->commit_into("hold"));
    CHECK(count(q + "/incoming") == 0);
    auto qf = read_queue_file(queue_path(q, "hold", "S1"));
    REQUIRE(qf);
    CHECK(mode_of(queue_path(q, "hold", "S1")) == 0640);
}
