#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>

#include "libmail/core/file_io.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_file.h"
#include "libmail/queue/queue_scan.h"
#include "libmail/queue/queue_writer.h"
#include "t/unit/queue/commit_message.h"

using namespace tern;
using namespace tern::queue;

namespace {

struct ScanDir {
    std::string dir;
    ScanDir() {
        char tmpl[] = "/tmp/tern-qscan-XXXXXX";
        REQUIRE(::mkdtemp(tmpl));
        dir = tmpl;
        REQUIRE(create_queue_dirs(dir, ::getuid(), ::getgid()));
    }
    ~ScanDir() {
        for (std::string_view f : kQueueFolders) {
            const std::string d = dir + "/" + std::string(f);
            if (DIR* h = ::opendir(d.c_str())) {
                while (dirent* e = ::readdir(h))
                    if (std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..")
                        ::unlink((d + "/" + e->d_name).c_str());
                ::closedir(h);
            }
            ::rmdir(d.c_str());
        }
        ::rmdir(dir.c_str());
    }
};

void use_utc() {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
}

QueueEntry entry(std::string folder, std::string id, std::uint64_t size, std::int64_t when) {
    QueueEntry q;
    q.folder = std::move(folder);
    q.id = std::move(id);
    q.size = size;
    q.env.arrival_sec = when;
    q.env.sender = "alice@example.test";
    q.env.recipients.push_back({"bob@example.test", "", 0});
    return q;
}

std::string commit_message(const std::string& dir, std::int64_t when, const std::string& body) {
    Envelope env;
    env.arrival_sec = when;
    env.sender = "alice@example.test";
    env.recipients.push_back({"bob@example.test", "", 0});
    env.recipients.push_back({"done@example.test", "", 0});
    return tern::test::commit_message(dir, env, body);
}

}  // namespace

TEST_CASE("mailq layout matches Postfix's columns", "[queue]") {
    use_utc();
    // 2026-11-25 05:21:32 UTC is a Wednesday.
    auto q = entry("active", "4Bc1D2F3A", 1234, 1795584092);
    q.env.recipients.push_back({"carol@example.test", "", 0});
    CHECK(format_mailq({q}) ==
          "-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n"
          "4Bc1D2F3A*     1234 Wed Nov 25 05:21:32  alice@example.test\n"
          "                                         bob@example.test\n"
          "                                         carol@example.test\n"
          "\n"
          "-- 1 Kbytes in 1 Request.\n");
}

TEST_CASE("mailq marks held mail, shows delay reasons and hides settled recipients", "[queue]") {
    use_utc();
    auto held = entry("hold", "AAAAAAAAA", 10, 1795584092);
    auto deferred = entry("deferred", "BBBBBBBBB", 2048, 1795584093);
    deferred.env.recipients.push_back({"gone@example.test", "", 0, RecipientState::Delivered});
    deferred.reasons = {{"bob@example.test", "connect to mx.example.test: Connection refused"}};
    deferred.env.sender = "";
    const std::string out = format_mailq({held, deferred});
    CHECK(out.find("AAAAAAAAA!       10 ") != std::string::npos);
    CHECK(out.find("BBBBBBBBB      2048 Wed Nov 25 05:21:33  MAILER-DAEMON\n"
                   "(connect to mx.example.test: Connection refused)\n"
                   "                                         bob@example.test\n") != std::string::npos);
    CHECK(out.find("gone@example.test") == std::string::npos);
    CHECK(out.find("-- 2 Kbytes in 2 Requests.\n") != std::string::npos);
}

TEST_CASE("an empty queue says so", "[queue]") {
    CHECK(format_mailq({}) == "Mail queue is empty\n");
    CHECK(format_json({}).empty());
}

TEST_CASE("postqueue -j prints one escaped JSON object per message", "[queue]") {
    auto q = entry("deferred", "CCCCCCCCC", 99, 1795584092);
    q.env.sender = "we\"ird\\x@example.test";
    q.reasons = {{"bob@example.test", "line1\nline2\ttab"}};
    CHECK(format_json({q}) ==
          "{\"queue_name\": \"deferred\", \"queue_id\": \"CCCCCCCCC\", \"arrival_time\": 1795584092, "
          "\"message_size\": 99, \"forced_expire\": false, \"sender\": \"we\\\"ird\\\\x@example.test\", "
          "\"recipients\": [{\"address\": \"bob@example.test\", \"delay_reason\": \"line1\\u000aline2\\u0009tab\"}]}\n");
}

TEST_CASE("scan_queue lists committed files with envelopes, reasons and settled state", "[queue]") {
    ScanDir q;
    const std::string a = commit_message(q.dir, 1795584092, "Subject: a\n\nbody\n");
    const std::string b = commit_message(q.dir, 1795584000, std::string(5000, 'x'));
    REQUIRE(move_queue_file(q.dir, "incoming", "deferred", b));
    {
        UniqueFd fd(::open(queue_path(q.dir, "deferred", b).c_str(), O_RDWR));
        REQUIRE(fd.get() >= 0);
        auto qf = read_queue_file(fd.get(), b);
        REQUIRE(qf);
        REQUIRE(set_recipient_state(fd.get(), qf->env.recipients[1], RecipientState::Delivered));
    }
    REQUIRE(write_file_atomic(queue_path(q.dir, "defer", b),
                       "recipient=bob@example.test\treason=old\n"
                       "recipient=bob@example.test\tdsn=4.4.1\treason=no route\n"));
    // A temporary file being written is not a message.
    REQUIRE(write_file_atomic(q.dir + "/incoming/.tmp.XYZ", "partial"));

    const auto entries = scan_queue(q.dir, {"incoming", "active", "deferred", "hold"});
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].id == b);  // oldest first
    CHECK(entries[0].folder == "deferred");
    CHECK(entries[0].size == 5000);
    CHECK(entries[0].error.empty());
    REQUIRE(entries[0].reasons.size() == 1);
    CHECK(entries[0].reasons[0].second == "no route");
    CHECK(entries[0].env.recipients[1].state == RecipientState::Delivered);
    CHECK(entries[1].id == a);
    CHECK(entries[1].folder == "incoming");
    CHECK(entries[1].env.sender == "alice@example.test");

    const std::string out = format_mailq(entries);
    CHECK(out.find("(no route)\n") != std::string::npos);
    CHECK(out.find("done@example.test") != std::string::npos);  // still pending in a
    CHECK(out.find("2 Requests.") != std::string::npos);
}

TEST_CASE("scan_queue reports a corrupt file instead of hiding it", "[queue]") {
    ScanDir q;
    const std::string a = commit_message(q.dir, 1795584092, "x\n");
    REQUIRE(::truncate(queue_path(q.dir, "incoming", a).c_str(), 20) == 0);
    const auto entries = scan_queue(q.dir, {"incoming"});
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].error.find("offset") != std::string::npos);
    CHECK(format_mailq(entries).find("(unreadable)") != std::string::npos);
}
