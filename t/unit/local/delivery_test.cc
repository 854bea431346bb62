#include <catch2/catch.hpp>

#include <dirent.h>
#include <unistd.h>

#include "libmail/core/file_io.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_writer.h"
#include "local/delivery.h"

using namespace tern;

namespace {

std::vector<std::string> list(const std::string& dir) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') out.emplace_back(e->d_name);
        ::closedir(d);
    }
    return out;
}

}  // namespace

TEST_CASE("local delivers with Return-Path and Delivered-To, and reports per recipient", "[local]") {
    char tmpl[] = "/tmp/tern-local-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    const std::string dir = tmpl;
    REQUIRE(queue::create_queue_dirs(dir + "/queue", ::getuid(), ::getgid()));
    REQUIRE(write_file_atomic(dir + "/vmailbox", "alice@example.test example.test/alice/\n"
                                                 "evil@example.test ../../etc/\n"
                                                 "mbox@example.test example.test/mbox\n"));
    auto w = queue::QueueWriter::create(dir + "/queue");
    REQUIRE(w);
    queue::Envelope env;
    env.sender = "carol@remote.test";
    env.recipients = {{"alice@example.test", "", 0}, {"nobody@example.test", "", 0}, {"evil@example.test", "", 0},
                      {"mbox@example.test", "", 0}};
    REQUIRE(w->write_envelope(env));
    const std::string body = "Subject: hi\n\nline \xc3\xa9\n.dot\n";
    REQUIRE(w->write_content(body));
    auto id = w->commit();
    REQUIRE(id);

    auto maps = maps::MapList::open({"texthash:" + dir + "/vmailbox"});
    REQUIRE(maps);
    local::Deliverer d(std::move(*maps), dir + "/mail");
    ipc::AttrList req{{"request", "deliver"}, {"path", dir + "/queue/incoming/" + *id}, {"sender", env.sender}};
    for (int i = 0; i < 4; ++i) {
        req.add("rcpt", env.recipients[static_cast<std::size_t>(i)].address);
        req.add("rcpt_index", std::to_string(i));
    }
    const ipc::AttrList reply = d.handle(req);
    CHECK(reply.get_all("status") == std::vector<std::string_view>{"sent", "bounced", "deferred", "deferred"});
    CHECK(reply.get_all("dsn") == std::vector<std::string_view>{"2.0.0", "5.1.1", "4.3.0", "4.3.0"});
    const auto files = list(dir + "/mail/example.test/alice/new");
    REQUIRE(files.size() == 1);
    auto text = read_file(dir + "/mail/example.test/alice/new/" + files[0], 1 << 20);
    REQUIRE(text);
    CHECK(*text == "Return-Path: <carol@remote.test>\nDelivered-To: alice@example.test\n" + body);
}

TEST_CASE("an account over its quota bounces with 5.2.2, or defers with quota_full_tempfail", "[local]") {
    char tmpl[] = "/tmp/tern-local-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    const std::string dir = tmpl;
    REQUIRE(queue::create_queue_dirs(dir + "/queue", ::getuid(), ::getgid()));
    REQUIRE(write_file_atomic(dir + "/vmailbox", "alice@example.test example.test/alice/\n"));
    auto deliver_to_alice = [&](bool tempfail, std::uint64_t quota_messages) {
        auto w = queue::QueueWriter::create(dir + "/queue");
        REQUIRE(w);
        queue::Envelope env;
        env.sender = "carol@remote.test";
        env.recipients = {{"alice@example.test", "", 0}};
        REQUIRE(w->write_envelope(env));
        REQUIRE(w->write_content("Subject: q\n\nbody\n"));
        auto id = w->commit();
        REQUIRE(id);
        auto maps = maps::MapList::open({"texthash:" + dir + "/vmailbox"});
        REQUIRE(maps);
        local::Deliverer d(std::move(*maps), dir + "/mail", tempfail);
        ipc::AttrList req{{"request", "deliver"}, {"path", dir + "/queue/incoming/" + *id}, {"sender", env.sender}};
        req.add("rcpt", "alice@example.test");
        req.add("rcpt_index", "0");
        auth::AccountVerdict active;
        active.kind = auth::AccountVerdict::Kind::Active;
        active.quota.messages = quota_messages;
        return d.handle(req, {{"alice@example.test", active}});
    };
    auto first = deliver_to_alice(false, 2);
    CHECK(first.get_or("status", "") == "sent");
    CHECK(deliver_to_alice(false, 2).get_or("status", "") == "sent");
    auto full = deliver_to_alice(false, 2);
    CHECK(full.get_or("status", "") == "bounced");
    CHECK(full.get_or("dsn", "") == "5.2.2");
    CHECK(full.get_or("reason", "") == "mailbox full: quota exceeded for \"alice@example.test\"");
    auto later = deliver_to_alice(true, 2);
    CHECK(later.get_or("status", "") == "deferred");
    CHECK(later.get_or("dsn", "") == "4.2.2");
    CHECK(list(dir + "/mail/example.test/alice/new").size() == 2);
    // The usage is kept in maildirsize: 2 messages after the limit line.
    auto size = read_file(dir + "/mail/example.test/alice/maildirsize", 1000);
    REQUIRE(size);
    CHECK(size->rfind("0S,2C\n", 0) == 0);
}

TEST_CASE("a message marked for quarantine goes to Junk; a forged mark in the content does not", "[local]") {
    char tmpl[] = "/tmp/tern-local-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    const std::string dir = tmpl;
    REQUIRE(queue::create_queue_dirs(dir + "/queue", ::getuid(), ::getgid()));
    REQUIRE(write_file_atomic(dir + "/vmailbox", "alice@example.test example.test/alice/\n"));
    auto queue_message = [&](const std::string& prepend, const std::string& content) {
        auto w = queue::QueueWriter::create(dir + "/queue");
        REQUIRE(w);
        queue::Envelope env;
        env.sender = "carol@remote.test";
        env.recipients = {{"alice@example.test", "", 0}};
        REQUIRE(w->write_envelope(env));
        REQUIRE(w->write_content(content));
        if (!prepend.empty()) REQUIRE(w->write_prepend(prepend));
        auto id = w->commit();
        REQUIRE(id);
        return *id;
    };
    auto deliver = [&](const std::string& id) {
        auto maps = maps::MapList::open({"texthash:" + dir + "/vmailbox"});
        REQUIRE(maps);
        local::Deliverer d(std::move(*maps), dir + "/mail");
        ipc::AttrList req{{"request", "deliver"}, {"path", dir + "/queue/incoming/" + id}, {"sender", "carol@remote.test"},
                          {"rcpt", "alice@example.test"}, {"rcpt_index", "0"}};
        return d.handle(req);
    };
    const std::string mark = "Authentication-Results: mx.example.test; dmarc=fail\n"
                             "X-Tern-Quarantine: DMARC policy of remote.test\n";
    const ipc::AttrList junk = deliver(queue_message(mark, "Subject: spoof\n\nbody\n"));
    CHECK(junk.get_or("status", "") == "sent");
    CHECK(junk.get_or("reason", "") == "delivered to maildir folder Junk (quarantine)");
    const auto in_junk = list(dir + "/mail/example.test/alice/.Junk/new");
    REQUIRE(in_junk.size() == 1);
    auto text = read_file(dir + "/mail/example.test/alice/.Junk/new/" + in_junk[0], 1 << 20);
    REQUIRE(text);
    CHECK(*text == "Return-Path: <carol@remote.test>\nDelivered-To: alice@example.test\n" + mark +
                       "Subject: spoof\n\nbody\n");
    CHECK(list(dir + "/mail/example.test/alice/new").empty());
    auto subs = read_file(dir + "/mail/example.test/alice/subscriptions", 4096);
    REQUIRE(subs);
    CHECK(subs->find("Junk") != std::string::npos);

    // The same field in the message itself is the sender's text: INBOX.
    const ipc::AttrList inbox = deliver(queue_message("", "X-Tern-Quarantine: forged\nSubject: x\n\nbody\n"));
    CHECK(inbox.get_or("reason", "") == "delivered to maildir");
    CHECK(list(dir + "/mail/example.test/alice/new").size() == 1);
    CHECK(list(dir + "/mail/example.test/alice/.Junk/new").size() == 1);
}
