// Cleanup with a real QueueWriter in a temporary queue and a real pcre:
// header_checks table: what ends up in incoming/ or hold/, what the sender is
// told, and what is logged.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "libmail/cleanup/cleanup.h"
#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_file.h"
#include "t/unit/file_size_limit.h"
#include "t/unit/temp_dir.h"

using namespace tern;
using namespace tern::cleanup;

namespace {

constexpr const char* kChecks =
    "/^Subject:.*viagra/          REJECT 5.7.1 no spam here\n"
    "/^Subject:.*plainreject/     REJECT\n"
    "/^Subject:.*dropme/          DISCARD silently dropped\n"
    "/^Subject:.*holdme/          HOLD held for review\n"
    "/^Subject:.*watch/           WARN watched subject\n"
    "/^X-Secret:/                 IGNORE\n"
    "/^X-Tag: (.*)/               PREPEND X-Seen: $1\n"
    "/^X-Mailer:/                 REPLACE X-Mailer: hidden\n"
    "/^Subject:.*two lines here/  REJECT folded header matched\n"
    "/^X-Fine:/                   DUNNO\n"
    "/^X-Ok:/                     OK\n"
    "/^X-Weird:/                  FROBNICATE now\n";

struct Fixture {
    test::TempDir tmp;
    std::string queue;
    std::string log_path;
    std::optional<maps::MapList> checks;

    Fixture() {
        queue = tmp.path() + "/queue";
        REQUIRE(queue::create_queue_dirs(queue, ::getuid(), ::getgid()));
        const std::string table = tmp.write("header_checks", kChecks);
        auto m = maps::MapList::open({"pcre:" + table});
        REQUIRE(m);
        checks.emplace(std::move(*m));
        log_path = tmp.path() + "/mail.log";
        log::setup("tern/cleanup", log::Sink::File, log_path, "testhost");
    }
    ~Fixture() { log::setup("tern/test", log::Sink::Stderr); }

    CleanupOptions options() {
        CleanupOptions o;
        o.header_checks = &*checks;
        o.myhostname = "mail.example.test";
        o.now = 1795000000;  // 2026-11-18 11:06:40 UTC
        return o;
    }

    struct Outcome {
        Verdict verdict;
        std::string content;  // of the queue file, if one was committed
        std::string folder;   // where it was found
        queue::Envelope env;
    };

    // Feeds message in chunks of chunk bytes (to cross every boundary).
    // observer (if any) watches; at_end runs after the last feed, before finish().
    Outcome run(const std::string& message, CleanupOptions o, std::size_t chunk = 7,
                queue::Envelope env = default_env(), ContentObserver* observer = nullptr,
                const std::function<void(Cleanup&)>& at_end = {}) {
        auto w = queue::QueueWriter::create(queue);
        REQUIRE(w);
        Cleanup c(std::move(o), *w);
        if (observer) c.add_observer(observer);
        REQUIRE(c.write_envelope(std::move(env)));
        for (std::size_t i = 0; i < message.size(); i += chunk) c.feed(std::string_view(message).substr(i, chunk));
        if (at_end) at_end(c);
        Outcome out;
        out.verdict = c.finish();
        for (const char* folder : {"incoming", "hold"}) {
            const std::string path = queue::queue_path(queue, folder, out.verdict.queue_id);
            if (::access(path.c_str(), F_OK) != 0) continue;
            auto qf = queue::read_queue_file(path);
            REQUIRE(qf);
            UniqueFd fd(::open(path.c_str(), O_RDONLY));
            REQUIRE(queue::read_content(fd.get(), *qf, [&](std::string_view b) -> Result<void> {
                out.content.append(b);
                return {};
            }));
            out.folder = folder;
            out.env = qf->env;
        }
        return out;
    }

    static queue::Envelope default_env() {
        queue::Envelope env;
        env.arrival_sec = 1795000000;
        env.sender = "carol@remote.test";
        env.recipients.push_back({"alice@example.test", "", 0});
        return env;
    }

    std::string log_text() const {
        auto t = read_file(log_path, 1 << 20);
        return t ? *t : std::string();
    }

    // Every entry, temporary dot-files included.
    std::size_t files_in(const char* folder) const {
        std::size_t n = 0;
        if (DIR* d = ::opendir((queue + "/" + folder).c_str())) {
            while (dirent* e = ::readdir(d))
                if (std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..") ++n;
            ::closedir(d);
        }
        return n;
    }
};

const std::string kBody = "\nHello.\nSecond line.\n";

// Records what an observer is shown, in order.
struct Recorder : ContentObserver {
    std::vector<std::string> headers;
    std::string body_seen;
    int ends_of_headers = 0, ends_of_body = 0;
    void header(std::string_view f) override { headers.emplace_back(f); }
    void end_of_headers() override { ++ends_of_headers; }
    void body(std::string_view c) override {
        CHECK(ends_of_headers == 1);
        body_seen.append(c);
    }
    void end_of_body() override { ++ends_of_body; }
};

}  // namespace

TEST_CASE("an observer sees the header fields as queued, then the body, once each", "[cleanup]") {
    Fixture f;
    const std::string msg = "Subject: a folded\n subject\nX-Tag: t1\nX-Secret: s\nX-Mailer: m\n" + kBody + "no final LF";
    for (std::size_t chunk : {1, 5, 4096}) {
        Recorder rec;
        auto o = f.options();
        o.add_missing_headers = true;
        auto out = f.run(msg, o, chunk, Fixture::default_env(), &rec);
        REQUIRE(out.verdict.action == Action::Accept);
        // IGNOREd fields are not shown, PREPENDed and REPLACEd are, as are the added ones.
        CHECK(rec.headers == std::vector<std::string>{"Subject: a folded\n subject\n", "X-Seen: t1\n", "X-Tag: t1\n",
                                                      "X-Mailer: hidden\n",
                                                      "Message-Id: <20261118110640." + out.verdict.queue_id +
                                                          "@mail.example.test>\n",
                                                      "Date: Wed, 18 Nov 2026 11:06:40 +0000 (UTC)\n"});
        CHECK(rec.body_seen == "Hello.\nSecond line.\nno final LF\n");
        CHECK(rec.ends_of_headers == 1);
        CHECK(rec.ends_of_body == 1);
        CHECK(out.content.substr(out.content.size() - rec.body_seen.size() - 1) == "\n" + rec.body_seen);
    }
}

TEST_CASE("drop_header removes matching fields before anything else sees them", "[cleanup]") {
    Fixture f;
    Recorder rec;
    auto o = f.options();
    o.drop_header = [](std::string_view logical) { return logical.rfind("Authentication-Results: mx.test;", 0) == 0; };
    const std::string msg = "Authentication-Results: mx.test;\n spf=pass\nAuthentication-Results: other.test; spf=fail\n"
                            "Subject: hi\n" + kBody;
    auto out = f.run(msg, o, 3, Fixture::default_env(), &rec);
    CHECK(out.content == "Authentication-Results: other.test; spf=fail\nSubject: hi\n" + kBody);
    CHECK(rec.headers.size() == 2);
}

TEST_CASE("prepend puts fields above the message; refuse drops it with the reply given", "[cleanup]") {
    Fixture f;
    const std::string msg = "Subject: hi\n" + kBody;
    SECTION("prepend") {
        Recorder rec;
        auto out = f.run(msg, f.options(), 7, Fixture::default_env(), &rec, [&](Cleanup& c) {
            c.end_content();
            CHECK(rec.ends_of_body == 1);
            c.prepend("Authentication-Results: mx.test; dmarc=pass\n");
        });
        CHECK(out.verdict.action == Action::Accept);
        CHECK(out.content == "Authentication-Results: mx.test; dmarc=pass\n" + msg);
        CHECK(rec.ends_of_body == 1);  // finish() does not end the content twice
    }
    SECTION("refuse") {
        auto out = f.run(msg, f.options(), 7, Fixture::default_env(), nullptr, [](Cleanup& c) {
            c.end_content();
            c.refuse(Action::Reject, {550, "5.7.1", "DMARC policy of example.test says reject"});
        });
        CHECK(out.verdict.action == Action::Reject);
        CHECK(out.verdict.reply.line() == "550 5.7.1 DMARC policy of example.test says reject");
        CHECK(out.folder.empty());
        CHECK(f.files_in("incoming") == 0);
        CHECK(f.log_text().find(out.verdict.queue_id + ": reject: from local; from=<carol@remote.test> "
                                "to=<alice@example.test>: 5.7.1 DMARC policy of example.test says reject") !=
              std::string::npos);
    }
}

TEST_CASE("a clean message is queued unchanged into incoming/", "[cleanup]") {
    Fixture f;
    const std::string msg = "From: carol@remote.test\nSubject: hi\nX-Fine: 1\nX-Ok: 2\n" + kBody;
    for (std::size_t chunk : {1, 3, 7, 4096}) {
        auto out = f.run(msg, f.options(), chunk);
        CHECK(out.verdict.action == Action::Accept);
        CHECK(out.verdict.reply.line() == "250 2.0.0 Ok: queued as " + out.verdict.queue_id);
        CHECK(out.folder == "incoming");
        CHECK(out.content == msg);
        CHECK(out.env.sender == "carol@remote.test");
    }
}

TEST_CASE("header_checks REJECT drops the message with 550 and logs in Postfix's shape", "[cleanup]") {
    Fixture f;
    auto o = f.options();
    o.log = {"client.test[192.0.2.1]", "ESMTP", "client.test"};
    auto out = f.run("From: x@y\nSubject: cheap viagra\n" + kBody, o);
    CHECK(out.verdict.action == Action::Reject);
    CHECK(out.verdict.reply.line() == "550 5.7.1 no spam here");
    CHECK(out.folder.empty());
    CHECK(f.files_in("incoming") == 0);
    CHECK(f.log_text().find(out.verdict.queue_id +
                            ": reject: header Subject: cheap viagra from client.test[192.0.2.1]; "
                            "from=<carol@remote.test> to=<alice@example.test> proto=ESMTP helo=<client.test>: "
                            "5.7.1 no spam here") != std::string::npos);

    auto plain = f.run("Subject: plainreject\n" + kBody, f.options());
    CHECK(plain.verdict.reply.line() == "550 5.7.1 message content rejected");
    CHECK(f.log_text().find(plain.verdict.queue_id + ": reject: header Subject: plainreject from local; "
                                                      "from=<carol@remote.test> to=<alice@example.test>: "
                                                      "5.7.1 message content rejected") != std::string::npos);
}

TEST_CASE("a folded header is matched as one unfolded line, and written folded", "[cleanup]") {
    Fixture f;
    auto out = f.run("Subject: this has\n two lines here\n" + kBody, f.options(), 1);
    CHECK(out.verdict.action == Action::Reject);
    CHECK(out.verdict.reply.line() == "550 5.7.1 folded header matched");
    CHECK(f.log_text().find("reject: header Subject: this has two lines here from local") != std::string::npos);

    const std::string kept = "Subject: a folded\n\tsubject that is fine\nX-Fine: 1\n" + kBody;
    auto ok = f.run(kept, f.options(), 2);
    CHECK(ok.verdict.action == Action::Accept);
    CHECK(ok.content == kept);
}

TEST_CASE("DISCARD claims success and queues nothing", "[cleanup]") {
    Fixture f;
    auto out = f.run("Subject: dropme\n" + kBody, f.options());
    CHECK(out.verdict.action == Action::Discard);
    CHECK(out.verdict.reply.line() == "250 2.0.0 Ok: queued as " + out.verdict.queue_id);
    CHECK(f.files_in("incoming") == 0);
    CHECK(f.files_in("hold") == 0);
    CHECK(f.log_text().find(out.verdict.queue_id + ": discard: header Subject: dropme from local; "
                                                    "from=<carol@remote.test> to=<alice@example.test>: "
                                                    "silently dropped") != std::string::npos);
}

TEST_CASE("HOLD commits the message into hold/, not incoming/", "[cleanup]") {
    Fixture f;
    const std::string msg = "Subject: holdme please\n" + kBody;
    auto out = f.run(msg, f.options());
    CHECK(out.verdict.action == Action::Hold);
    CHECK(out.verdict.reply.code == 250);
    CHECK(out.folder == "hold");
    CHECK(out.content == msg);
    CHECK(f.files_in("incoming") == 0);
    CHECK(f.log_text().find(": hold: header Subject: holdme please from local;") != std::string::npos);
}

TEST_CASE("a REJECT after a HOLD still rejects", "[cleanup]") {
    Fixture f;
    auto out = f.run("Subject: holdme\nSubject: viagra\n" + kBody, f.options());
    CHECK(out.verdict.action == Action::Reject);
    CHECK(f.files_in("hold") == 0);
}

TEST_CASE("WARN logs and keeps the message", "[cleanup]") {
    Fixture f;
    const std::string msg = "Subject: watch this\n" + kBody;
    auto out = f.run(msg, f.options());
    CHECK(out.verdict.action == Action::Accept);
    CHECK(out.content == msg);
    CHECK(f.log_text().find(": warning: header Subject: watch this from local; from=<carol@remote.test> "
                            "to=<alice@example.test>: watched subject") != std::string::npos);
}

TEST_CASE("IGNORE, PREPEND and REPLACE rewrite the header section", "[cleanup]") {
    Fixture f;
    auto out = f.run("X-Secret: s3cret\nX-Tag: blue\nX-Mailer: Foo 1.0\n\tcontinued\nSubject: x\n" + kBody,
                     f.options(), 5);
    CHECK(out.verdict.action == Action::Accept);
    CHECK(out.content == "X-Seen: blue\nX-Tag: blue\nX-Mailer: hidden\nSubject: x\n" + kBody);
}

TEST_CASE("an unknown action is logged and the header kept", "[cleanup]") {
    Fixture f;
    auto out = f.run("X-Weird: 1\n" + kBody, f.options());
    CHECK(out.verdict.action == Action::Accept);
    CHECK(out.content == "X-Weird: 1\n" + kBody);
    CHECK(f.log_text().find("warning: " + out.verdict.queue_id + ": unknown header_checks action: FROBNICATE now") !=
          std::string::npos);
}

TEST_CASE("header lines in the body are not checked", "[cleanup]") {
    Fixture f;
    const std::string msg = "Subject: fine\n\nSubject: viagra\n";
    auto out = f.run(msg, f.options());
    CHECK(out.verdict.action == Action::Accept);
    CHECK(out.content == msg);
}

TEST_CASE("a header over header_size_limit rejects with 552 5.6.0", "[cleanup]") {
    Fixture f;
    auto o = f.options();
    o.header_size_limit = 1024;
    std::string big = "Subject: start\n";
    while (big.size() < 2000) big += " folded continuation line of a long header\n";
    auto out = f.run(big + kBody, o, 100);
    CHECK(out.verdict.action == Action::Reject);
    CHECK(out.verdict.reply.line() == "552 5.6.0 Message header size exceeds limit");
    CHECK(f.files_in("incoming") == 0);

    // One line without any LF is bounded too.
    auto o2 = f.options();
    o2.header_size_limit = 1024;
    auto out2 = f.run("X-Long: " + std::string(5000, 'a'), o2, 64);
    CHECK(out2.verdict.reply.code == 552);

    // Just under the limit is fine.
    auto o3 = f.options();
    o3.header_size_limit = 1024;
    const std::string fits = "X-Long: " + std::string(1000, 'b') + "\n" + kBody;
    auto out3 = f.run(fits, o3, 64);
    CHECK(out3.verdict.action == Action::Accept);
    CHECK(out3.content == fits);

    // The limit is per header: two large headers that fit one by one are fine.
    auto o4 = f.options();
    o4.header_size_limit = 1024;
    const std::string two = "X-A: " + std::string(900, 'c') + "\nX-B: " + std::string(900, 'd') + "\n" + kBody;
    for (std::size_t chunk : {1, 64, 4096}) {
        auto out4 = f.run(two, o4, chunk);
        CHECK(out4.verdict.action == Action::Accept);
        CHECK(out4.content == two);
    }
}

TEST_CASE("header_section_size_limit and message_size_limit", "[cleanup]") {
    Fixture f;
    auto o = f.options();
    o.header_section_size_limit = 4096;
    std::string many;
    for (int i = 0; many.size() < 5000; ++i) many += "X-Header-" + std::to_string(i) + ": value\n";
    auto out = f.run(many + kBody, o, 512);
    CHECK(out.verdict.reply.line() == "552 5.6.0 Message header section exceeds limit");

    auto o2 = f.options();
    o2.message_size_limit = 100;
    auto out2 = f.run("Subject: x\n\n" + std::string(200, 'z') + "\n", o2, 50);
    CHECK(out2.verdict.reply.line() == "552 5.3.4 Message size exceeds fixed limit");
    CHECK(f.files_in("incoming") == 0);
}

TEST_CASE("missing Message-Id, Date and From are added when asked", "[cleanup]") {
    Fixture f;
    auto o = f.options();
    o.add_missing_headers = true;
    o.add_missing_from = true;
    o.full_name = "Carol Q. User";
    auto out = f.run("Subject: local\n" + kBody, o);
    REQUIRE(out.verdict.action == Action::Accept);
    const std::string id = out.verdict.queue_id;
    const std::string expect_head = "Subject: local\nMessage-Id: <20261118110640." + id +
                                    "@mail.example.test>\nDate: ";
    CHECK(out.content.substr(0, expect_head.size()) == expect_head);
    CHECK(out.content.find("\nFrom: \"Carol Q. User\" <carol@remote.test>\n\nHello.\n") != std::string::npos);
    // RFC 5322 date shape: "Wed, 18 Nov 2026 hh:mm:ss +hhmm (ZONE)", local time.
    const auto date_at = out.content.find("Date: ");
    const std::string date = out.content.substr(date_at + 6, out.content.find('\n', date_at) - date_at - 6);
    CHECK(date.find("Nov 2026") != std::string::npos);
    CHECK((date.find(" +") != std::string::npos || date.find(" -") != std::string::npos));
    CHECK(f.log_text().find(id + ": message-id=<20261118110640." + id + "@mail.example.test>") != std::string::npos);
}

TEST_CASE("present headers are not added again; nothing is added unless asked", "[cleanup]") {
    Fixture f;
    auto o = f.options();
    o.add_missing_headers = true;
    o.add_missing_from = true;
    const std::string msg = "message-id: <abc@x>\nDATE: Mon, 1 Jan 2024 00:00:00 +0000\nfrom: me@x\n" + kBody;
    auto out = f.run(msg, o);
    CHECK(out.content == msg);
    CHECK(f.log_text().find(out.verdict.queue_id + ": message-id=<abc@x>") != std::string::npos);

    auto plain = f.run("Subject: smtp\n" + kBody, f.options());
    CHECK(plain.content == "Subject: smtp\n" + kBody);
}

TEST_CASE("a message without headers or blank line gets headers and a separator", "[cleanup]") {
    Fixture f;
    auto o = f.options();
    o.add_missing_headers = true;
    o.add_missing_from = true;
    queue::Envelope env = Fixture::default_env();
    env.sender = "root";
    o.myorigin = "example.test";
    auto out = f.run("test", o, 7, env);  // "echo -n test | sendmail": no LF at all
    REQUIRE(out.verdict.action == Action::Accept);
    CHECK(out.env.sender == "root@example.test");
    CHECK(out.content.find("From: root@example.test\n\ntest\n") != std::string::npos);
    CHECK(out.content.rfind("Message-Id: <", 0) == 0);

    auto body_only = f.run("just text\nmore\n", o, 3, env);
    CHECK(body_only.content.find("From: root@example.test\n\njust text\nmore\n") != std::string::npos);
}

TEST_CASE("a failed queue write is a 451 and leaves nothing in incoming/", "[cleanup]") {
    // DESIGN.md invariant 4: a write error (EFBIG here, as a full disk) is a 4xx.
    Fixture f;
    std::optional<tern::test::FileSizeLimit> limit(std::in_place, 100 * 1024);
    REQUIRE(limit->ok());
    auto out = f.run("Subject: big\n\n" + std::string(400 * 1024, 'b') + "\n", f.options(), 8192);
    limit.reset();
    CHECK(out.verdict.action == Action::Tempfail);
    CHECK(out.verdict.reply.line() == "451 4.3.0 Error: queue file write error");
    CHECK(f.files_in("incoming") == 0);
    CHECK(f.log_text().find("warning: " + out.verdict.queue_id + ": queue file write error: write ") !=
          std::string::npos);
}

TEST_CASE("format_from quotes display names with specials", "[cleanup]") {
    CHECK(format_from("a@b", "") == "a@b");
    CHECK(format_from("a@b", "Alice Smith") == "Alice Smith <a@b>");
    CHECK(format_from("a@b", "Smith, \"Al\"") == "\"Smith, \\\"Al\\\"\" <a@b>");
    CHECK(format_from("a@b", "Evil\r\nBcc: x") == "\"EvilBcc: x\" <a@b>");
    CHECK(format_from("", "") == "MAILER-DAEMON");
}

TEST_CASE("options_from_config reads the cleanup parameters", "[cleanup]") {
    auto cfg = config::Config::from_text("myhostname = mx.example.test\nheader_size_limit = 2048\n"
                                         "header_section_size_limit = 65536\nmessage_size_limit = 1000000\n"
                                         "always_add_missing_headers = yes\n",
                                         "main.cf", "/nonexistent");
    REQUIRE(cfg);
    const CleanupOptions o = options_from_config(*cfg);
    CHECK(o.myhostname == "mx.example.test");
    CHECK(o.header_size_limit == 2048);
    CHECK(o.header_section_size_limit == 65536);
    CHECK(o.message_size_limit == 1000000);
    CHECK(o.add_missing_headers);
    CHECK_FALSE(o.add_missing_from);
    CHECK(o.header_checks == nullptr);

    auto defaults = config::Config::from_text("myhostname = h.test\n", "main.cf", "/nonexistent");
    REQUIRE(defaults);
    const CleanupOptions d = options_from_config(*defaults);
    CHECK(d.header_size_limit == 102400);
    CHECK(d.header_section_size_limit == 1048576);
    CHECK(d.message_size_limit == 10240000);
    CHECK_FALSE(d.add_missing_headers);
}
