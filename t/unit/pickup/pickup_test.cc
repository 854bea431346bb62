// pickup: maildrop/ files into incoming/ through Cleanup, with a real queue.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <optional>

#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_file.h"
#include "libmail/queue/queue_writer.h"
#include "pickup/pickup.h"
#include "t/unit/temp_dir.h"

using namespace tern;
using namespace tern::pickup;

namespace {

struct Fixture {
    test::TempDir tmp;
    std::string queue, log_path;
    std::optional<maps::MapList> checks;

    Fixture() {
        queue = tmp.path() + "/queue";
        REQUIRE(queue::create_queue_dirs(queue, ::getuid(), ::getgid()));
        const std::string table = tmp.write("header_checks", "/^Subject: .*forbidden/ REJECT not here\n");
        auto m = maps::MapList::open({"pcre:" + table});
        REQUIRE(m);
        checks.emplace(std::move(*m));
        log_path = tmp.path() + "/mail.log";
        log::setup("tern/pickup", log::Sink::File, log_path, "testhost");
    }
    ~Fixture() { log::setup("tern/test", log::Sink::Stderr); }

    Pickup make() {
        Settings s;
        s.myhostname = "mail.example.test";
        s.myorigin = "example.test";
        s.message_size_limit = 1024 * 1024;
        s.header_checks = &*checks;
        return Pickup(queue, s);
    }

    // What postdrop writes.
    std::string drop(const std::string& sender, const std::vector<std::string>& rcpts, const std::string& body,
                     const std::string& full_name = "") {
        auto w = queue::QueueWriter::create_in(queue, "maildrop", 0444);
        REQUIRE(w);
        queue::Envelope env;
        env.arrival_sec = 1795000000;
        env.sender = sender;
        if (!full_name.empty()) env.attrs.emplace_back("full_name", full_name);
        for (const auto& r : rcpts) env.recipients.push_back({r, "", 0});
        REQUIRE(w->write_envelope(env));
        REQUIRE(w->write_content(body));
        auto id = w->commit_into("maildrop");
        REQUIRE(id);
        return *id;
    }

    std::vector<std::string> files(const char* folder) const {
        std::vector<std::string> out;
        if (DIR* d = ::opendir((queue + "/" + folder).c_str())) {
            while (dirent* e = ::readdir(d))
                if (e->d_name[0] != '.') out.emplace_back(e->d_name);
            ::closedir(d);
        }
        return out;
    }

    std::pair<queue::Envelope, std::string> incoming_message() const {
        auto names = files("incoming");
        REQUIRE(names.size() == 1);
        const std::string path = queue + "/incoming/" + names[0];
        auto qf = queue::read_queue_file(path);
        REQUIRE(qf);
        UniqueFd fd(::open(path.c_str(), O_RDONLY));
        std::string content;
        REQUIRE(queue::read_content(fd.get(), *qf, [&](std::string_view b) -> Result<void> {
            content.append(b);
            return {};
        }));
        return {qf->env, content};
    }

    std::string log_text() const {
        auto t = read_file(log_path, 1 << 20);
        return t ? *t : std::string();
    }
};

}  // namespace

TEST_CASE("a maildrop file becomes an incoming message with the missing headers added", "[pickup]") {
    Fixture f;
    const std::string id = f.drop("root", {"alice@example.test", "bob"}, "test\n", "Charlie Root");
    auto p = f.make();
    CHECK(p.process(id) == Outcome::Queued);
    CHECK(f.files("maildrop").empty());
    auto [env, content] = f.incoming_message();
    CHECK(env.sender == "root@example.test");
    REQUIRE(env.recipients.size() == 2);
    CHECK(env.recipients[1].address == "bob@example.test");
    CHECK(*env.attr("protocol") == "local");
    const std::string uid = std::to_string(::getuid());
    CHECK(content.rfind("Received: by mail.example.test (Tern, from userid " + uid + ")\n\tid ", 0) == 0);
    CHECK(content.find("\nMessage-Id: <20261118110640.") != std::string::npos);
    CHECK(content.find("@mail.example.test>\nDate: ") != std::string::npos);
    CHECK(content.find("\nFrom: Charlie Root <root@example.test>\n\ntest\n") != std::string::npos);
    CHECK(f.log_text().find(": uid=" + uid + " from=<root>") != std::string::npos);
}

TEST_CASE("a message with its own headers keeps them", "[pickup]") {
    Fixture f;
    const std::string msg = "From: Me <me@x.test>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-Id: <m@x>\n"
                            "Subject: mine\n\nbody\n";
    auto p = f.make();
    CHECK(p.process(f.drop("me@x.test", {"alice@example.test"}, msg)) == Outcome::Queued);
    auto [env, content] = f.incoming_message();
    CHECK(content.substr(content.find("\nFrom: ") + 1) == msg);
}

TEST_CASE("header_checks REJECT: logged, the sender notified, the maildrop file removed", "[pickup]") {
    Fixture f;
    auto p = f.make();
    CHECK(p.process(f.drop("root", {"alice@example.test"}, "Subject: a forbidden thing\nX-A: b\n\nsecret body\n")) ==
          Outcome::Rejected);
    CHECK(f.files("maildrop").empty());
    const std::string log = f.log_text();
    CHECK(log.find(": reject: header Subject: a forbidden thing from local; from=<root@example.test> "
                   "to=<alice@example.test>: 5.7.1 not here") != std::string::npos);
    // The only message queued is the notification, from the null sender to the sender.
    auto [env, content] = f.incoming_message();
    CHECK(env.sender.empty());
    REQUIRE(env.recipients.size() == 1);
    CHECK(env.recipients[0].address == "root@example.test");
    CHECK(content.find("From: MAILER-DAEMON@mail.example.test (Mail Delivery System)\nTo: root@example.test\n"
                       "Subject: Undelivered Mail Returned to Sender\n") == 0);
    CHECK(content.find("\nReason: 550 5.7.1 not here\n") != std::string::npos);
    CHECK(content.find("\n\nSubject: a forbidden thing\nX-A: b\n") != std::string::npos);
    CHECK(content.find("secret body") == std::string::npos);
    CHECK(log.find(": sender non-delivery notification: " + f.files("incoming")[0]) != std::string::npos);
}

TEST_CASE("a refused message from the null sender is only logged", "[pickup]") {
    Fixture f;
    auto p = f.make();
    CHECK(p.process(f.drop("", {"alice@example.test"}, "Subject: forbidden\n\nx\n")) == Outcome::Rejected);
    CHECK(f.files("maildrop").empty());
    CHECK(f.files("incoming").empty());
}

TEST_CASE("malformed maildrop files are moved to corrupt/ and logged; the scan goes on", "[pickup]") {
    Fixture f;
    const std::string good1 = f.drop("root", {"alice@example.test"}, "one\n");
    // A queue-ID-named file that is not a queue file, one with a bad name, a
    // truncated queue file, a symbolic link and a temporary file being written.
    REQUIRE(write_file_atomic(f.queue + "/maildrop/AAAAjunk", "this is not a queue file\n", 0444));
    REQUIRE(write_file_atomic(f.queue + "/maildrop/bad-name", "x", 0444));
    const std::string good2 = f.drop("root", {"alice@example.test"}, "two\n");
    auto whole = read_file(f.queue + "/maildrop/" + good2, 1 << 20);
    REQUIRE(whole);
    REQUIRE(write_file_atomic(f.queue + "/maildrop/ZZZZcut", whole->substr(0, whole->size() - 5), 0444));
    REQUIRE(::symlink("/etc/passwd", (f.queue + "/maildrop/ZZZZlink").c_str()) == 0);
    REQUIRE(write_file_atomic(f.queue + "/maildrop/.tmp.busy", "partial", 0444));

    auto p = f.make();
    CHECK(p.scan() == 2);
    CHECK(f.files("incoming").size() == 2);
    CHECK(f.files("maildrop").empty());
    auto corrupt = f.files("corrupt");
    std::sort(corrupt.begin(), corrupt.end());
    CHECK(corrupt == std::vector<std::string>{"AAAAjunk", "ZZZZcut", "ZZZZlink", "bad-name"});
    CHECK(::access((f.queue + "/maildrop/.tmp.busy").c_str(), F_OK) == 0);  // not ours yet
    const std::string log = f.log_text();
    CHECK(log.find("warning: maildrop/AAAAjunk: offset 0: unknown record type 116: moved to corrupt/") != std::string::npos);
    CHECK(log.find("warning: maildrop/bad-name: file name is not a queue ID: moved to corrupt/") != std::string::npos);
    CHECK(log.find("warning: maildrop/ZZZZcut: ") != std::string::npos);
    CHECK(log.find("warning: maildrop/ZZZZlink: is a symbolic link: moved to corrupt/") != std::string::npos);
    (void)good1;
}

TEST_CASE("a maildrop file without recipients or with a bad address is refused", "[pickup]") {
    Fixture f;
    auto p = f.make();
    CHECK(p.process(f.drop("root", {}, "x\n")) == Outcome::Corrupt);
    CHECK(p.process(f.drop("root", {"a b@x"}, "x\n")) == Outcome::Corrupt);
    CHECK(f.files("incoming").empty());
    CHECK(f.files("corrupt").size() == 2);
    CHECK(f.log_text().find("envelope is incomplete (time, sender and a recipient are required): moved to corrupt/") != std::string::npos);
    CHECK(f.log_text().find("bad recipient address: moved to corrupt/") != std::string::npos);
}
