// Drives a real Session over a socketpair with a fake authd and a Maildir in
// a temporary directory: what a POP3 client sees, byte for byte.
#include <catch2/catch.hpp>

#include "t/unit/fake_password_check.h"

#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "libmail/event/event_ptrs.h"
#include "libmail/store/mailbox.h"
#include "pop3d/session.h"
#include "pop3d/uidl.h"

using namespace tern;
using namespace tern::pop3d;

namespace {

using FakeCheck = tern::test::FakePasswordCheck;

struct Harness {
    std::string root;
    EventBasePtr base{event_base_new()};
    Settings settings;
    Services services;
    std::unique_ptr<Session> session;
    int client = -1;
    bool done = false;
    std::string last_password;

    bool owns_root = true;

    // shared_root: the Maildir of another Harness (a second session of the same user).
    explicit Harness(std::chrono::milliseconds idle = std::chrono::milliseconds(600'000),
                     const std::string& shared_root = {}) {
        settings.idle_timeout = idle;
        if (shared_root.empty()) {
            char tmpl[] = "/tmp/tern-pop3d-XXXXXX";
            REQUIRE(::mkdtemp(tmpl));
            root = tmpl;
        } else {
            root = shared_root;
            owns_root = false;
        }
        settings.login_failure_delay = std::chrono::milliseconds(50);
        services.check_password = [this](auth::PasswordRequest req, auth::PasswordCheck::Done d) {
            last_password = req.password;
            auth::Verdict v;
            v.kind = req.password == "right" ? auth::Verdict::Kind::Ok
                     : req.password == "later" ? auth::Verdict::Kind::TempFail
                                               : auth::Verdict::Kind::Fail;
            v.user = req.user;
            return std::unique_ptr<auth::PasswordCheck>(new FakeCheck(base.get(), v, std::move(d)));
        };
        services.maildir_root = [this](const std::string& user) -> Result<std::string> {
            if (user != "alice@example.test") return Error("no mailbox");
            return root;
        };
        int sv[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        client = sv[0];
        ::fcntl(client, F_SETFL, O_NONBLOCK);
        evutil_make_socket_nonblocking(sv[1]);
        session = std::make_unique<Session>(base.get(), UniqueFd(sv[1]), "192.0.2.1", settings, services,
                                            [this](Session*) { done = true; });
    }
    ~Harness() {
        session.reset();
        ::close(client);
        std::error_code ec;
        if (owns_root) std::filesystem::remove_all(root, ec);
    }

    void deliver(std::string_view text) {
        auto d = store::MaildirDelivery::begin(root);
        REQUIRE(d);
        REQUIRE(d->write(text));
        REQUIRE(d->commit());
    }

    // Sends `text`, then runs the loop until the output ends with `until`
    // (or the connection closes, or two seconds pass).
    std::string talk(std::string_view text, std::string_view until = "\r\n") {
        if (!text.empty()) REQUIRE(::write(client, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
        std::string got;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (std::chrono::steady_clock::now() < deadline) {
            event_base_loop(base.get(), EVLOOP_NONBLOCK);
            char buf[65536];
            const ssize_t n = ::read(client, buf, sizeof buf);
            if (n > 0) {
                got.append(buf, static_cast<std::size_t>(n));
                if (got.size() >= until.size() && got.compare(got.size() - until.size(), until.size(), until) == 0)
                    break;
                continue;
            }
            if (n == 0 || done) break;
            pollfd p{client, POLLIN, 0};
            ::poll(&p, 1, 5);
        }
        return got;
    }

    void login() {
        CHECK(talk("USER alice@example.test\r\n") == "+OK Send your password\r\n");
        CHECK(talk("PASS right\r\n") == "+OK Logged in.\r\n");
    }
};

}  // namespace

TEST_CASE("greeting, CAPA, and commands refused before login", "[pop3d][session]") {
    Harness h;
    h.session->start();
    CHECK(h.talk("") == "+OK Tern ready.\r\n");
    const std::string capa = h.talk("CAPA\r\n", "\r\n.\r\n");
    CHECK(capa.rfind("+OK", 0) == 0);
    CHECK(capa.find("\r\nUIDL\r\n") != std::string::npos);
    CHECK(h.talk("STAT\r\n").rfind("-ERR", 0) == 0);
    CHECK(h.talk("PASS x\r\n").rfind("-ERR", 0) == 0);  // USER first
    CHECK(h.talk("XYZZY\r\n") == "-ERR Unknown command\r\n");
    CHECK(h.talk(std::string(600, 'A') + "\r\n") == "-ERR line too long\r\n");
    CHECK(h.talk("QUIT\r\n") == "+OK Tern signing off\r\n");
    CHECK(h.done);
}

TEST_CASE("a wrong password is answered after the delay; authd trouble is [SYS/TEMP]", "[pop3d][session]") {
    Harness h;
    h.session->start();
    h.talk("");
    CHECK(h.talk("USER alice@example.test\r\n") == "+OK Send your password\r\n");
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(h.talk("PASS wrong words\r\n") == "-ERR [AUTH] Authentication failed.\r\n");
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(50));
    CHECK(h.last_password == "wrong words");
    CHECK(h.talk("STAT\r\n").rfind("-ERR", 0) == 0);
    CHECK(h.talk("USER alice@example.test\r\n") == "+OK Send your password\r\n");
    CHECK(h.talk("PASS later\r\n").rfind("-ERR [SYS/TEMP]", 0) == 0);
    CHECK(h.talk("USER nobody@example.test\r\n") == "+OK Send your password\r\n");
    CHECK(h.talk("PASS right\r\n").rfind("-ERR [SYS/TEMP]", 0) == 0);  // authenticated, but no mailbox
}

TEST_CASE("a POP3 session lists, retrieves, deletes and expunges at QUIT", "[pop3d][session]") {
    Harness h;
    h.deliver("Subject: one\n\n.dot line\nbody\n");
    h.deliver("Subject: two\n\nfirst\nsecond\n");
    h.session->start();
    h.talk("");
    h.login();
    // Sizes count CRLF: 29 bytes + 4 LFs, 27 bytes + 4 LFs.
    CHECK(h.talk("STAT\r\n") == "+OK 2 64\r\n");
    CHECK(h.talk("LIST\r\n", "\r\n.\r\n") == "+OK\r\n1 33\r\n2 31\r\n.\r\n");
    CHECK(h.talk("LIST 2\r\n") == "+OK 2 31\r\n");
    CHECK(h.talk("LIST 3\r\n") == "-ERR No such message\r\n");
    auto mb = store::Mailbox::open(h.root, "INBOX");
    REQUIRE(mb);
    REQUIRE(mb->sync());
    // The UIDL is the Maildir base name (pop3d/uidl.h).
    const std::string u1 = uidl_for(mb->messages()[0].filename), u2 = uidl_for(mb->messages()[1].filename);
    CHECK(u1.rfind(",W=33") == u1.size() - 5);  // the name as delivered, without the store's ",U=1"
    CHECK(h.talk("UIDL\r\n", "\r\n.\r\n") == "+OK\r\n1 " + u1 + "\r\n2 " + u2 + "\r\n.\r\n");
    CHECK(h.talk("UIDL 1\r\n") == "+OK 1 " + u1 + "\r\n");
    CHECK(h.talk("RETR 1\r\n", "\r\n.\r\n") == "+OK 33 octets\r\nSubject: one\r\n\r\n..dot line\r\nbody\r\n.\r\n");
    CHECK(h.talk("TOP 2 1\r\n", "\r\n.\r\n") == "+OK\r\nSubject: two\r\n\r\nfirst\r\n.\r\n");
    CHECK(h.talk("TOP 2\r\n").rfind("-ERR", 0) == 0);
    CHECK(h.talk("DELE 1\r\n") == "+OK Message deleted\r\n");
    CHECK(h.talk("RETR 1\r\n").rfind("-ERR", 0) == 0);
    CHECK(h.talk("STAT\r\n") == "+OK 1 31\r\n");
    CHECK(h.talk("RSET\r\n") == "+OK\r\n");
    CHECK(h.talk("STAT\r\n") == "+OK 2 64\r\n");
    CHECK(h.talk("USER x\r\n").rfind("-ERR", 0) == 0);  // wrong state
    // Pipelined commands (RFC 2449 6.6) are answered in order.
    CHECK(h.talk("DELE 1\r\nNOOP\r\nQUIT\r\n", "left)\r\n") ==
          "+OK Message deleted\r\n+OK\r\n+OK Tern signing off (1 messages left)\r\n");
    REQUIRE(mb->sync());
    REQUIRE(mb->messages().size() == 1);
    CHECK(mb->messages()[0].uid == 2);
}

TEST_CASE("too many errors close the connection", "[pop3d][session]") {
    Harness h;
    h.session->start();
    h.talk("");
    std::string all;
    for (int i = 0; i < kMaxErrors; ++i) all += "BOGUS\r\n";
    const std::string out = h.talk(all, "closing connection.\r\n");
    CHECK(out.find("-ERR Too many errors, closing connection.\r\n") != std::string::npos);
    h.talk("");
    CHECK(h.done);
}

TEST_CASE("RETR streams a large message and then answers pipelined commands", "[pop3d][session]") {
    Harness h;
    std::string big = "Subject: big\n\n";
    for (int i = 0; i < 20000; ++i) big += ".line " + std::to_string(i) + " of a large message body\n";
    h.deliver(big);
    h.session->start();
    h.talk("");
    h.login();
    const std::string out = h.talk("RETR 1\r\nNOOP\r\n", "\r\n.\r\n+OK\r\n");
    std::size_t lines = 0;
    for (char c : big) lines += c == '\n';
    const std::string head = "+OK " + std::to_string(big.size() + lines) + " octets\r\n";
    REQUIRE(out.rfind(head, 0) == 0);
    // Every body line gained a stuffed dot and a CR.
    CHECK(out.size() == head.size() + big.size() + lines + 20000 + 3 + 5);
    CHECK(out.find("\r\n..line 19999 of a large message body\r\n.\r\n+OK\r\n") != std::string::npos);
}

TEST_CASE("an idle client is disconnected after pop3d_timeout", "[pop3d][session]") {
    Harness h(std::chrono::milliseconds(100));
    h.session->start();
    CHECK(h.talk("") == "+OK Tern ready.\r\n");
    CHECK(h.talk("", "closing connection.\r\n") == "-ERR Timeout, closing connection.\r\n");
    h.talk("");
    CHECK(h.done);
}

TEST_CASE("a second session of the same user gets [IN-USE] until the first ends", "[pop3d][session][lock]") {
    Harness a;
    a.deliver("Subject: one\n\nbody\n");
    a.session->start();
    a.talk("");
    a.login();
    Harness b(std::chrono::milliseconds(600'000), a.root);
    b.session->start();
    b.talk("");
    CHECK(b.talk("USER alice@example.test\r\n") == "+OK Send your password\r\n");
    CHECK(b.talk("PASS right\r\n") == "-ERR [IN-USE] Mailbox is locked by another POP3 session.\r\n");
    CHECK(b.talk("STAT\r\n").rfind("-ERR", 0) == 0);  // still in AUTHORIZATION
    // An IMAP session (the store) is not blocked by the POP3 lock.
    auto mb = store::Mailbox::open(a.root, "INBOX");
    REQUIRE(mb);
    REQUIRE(mb->sync());
    CHECK(mb->messages().size() == 1);
    // Neither is delivery; and the locked session keeps the message numbers it started with.
    a.deliver("Subject: two\n\nbody\n");
    CHECK(a.talk("STAT\r\n") == "+OK 1 22\r\n");
    CHECK(a.talk("QUIT\r\n") == "+OK Tern signing off (1 messages left)\r\n");
    CHECK(b.talk("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAByaWdodA==\r\n") == "+OK Logged in.\r\n");
    CHECK(b.talk("STAT\r\n") == "+OK 2 44\r\n");
}

TEST_CASE("a dropped connection releases the maildrop", "[pop3d][session][lock]") {
    Harness a;
    a.session->start();
    a.talk("");
    a.login();
    ::shutdown(a.client, SHUT_RDWR);
    a.talk("");
    CHECK(a.done);
    a.session.reset();  // what the server's retire does on the next loop turn
    Harness b(std::chrono::milliseconds(600'000), a.root);
    b.session->start();
    b.talk("");
    b.login();
}

TEST_CASE("LOGIN-DELAY: a login too soon after the last is refused after the password", "[pop3d][session][lock]") {
    std::string root;
    {
        Harness a;
        a.settings.login_delay = std::chrono::seconds(3600);
        a.owns_root = false;
        root = a.root;
        a.session->start();
        a.talk("");
        CHECK(a.talk("CAPA\r\n", "\r\n.\r\n").find("\r\nLOGIN-DELAY 3600\r\n") != std::string::npos);
        a.login();
        CHECK(a.talk("QUIT\r\n").rfind("+OK", 0) == 0);
    }
    Harness b(std::chrono::milliseconds(600'000), root);
    b.owns_root = true;
    b.settings.login_delay = std::chrono::seconds(3600);
    b.session->start();
    b.talk("");
    CHECK(b.talk("USER alice@example.test\r\n") == "+OK Send your password\r\n");
    // A wrong password is still just a wrong password: the delay tells nothing to a guesser.
    CHECK(b.talk("PASS wrong\r\n") == "-ERR [AUTH] Authentication failed.\r\n");
    CHECK(b.talk("USER alice@example.test\r\n") == "+OK Send your password\r\n");
    CHECK(b.talk("PASS right\r\n") == "-ERR [LOGIN-DELAY] Wait 3600 seconds between logins.\r\n");
    // Without a delay configured the same user gets in.
    b.settings.login_delay = std::chrono::seconds(0);
    b.login();
}

TEST_CASE("a whole session pipelined in one write is answered in order", "[pop3d][session]") {
    Harness h;
    h.deliver("Subject: one\n\nbody\n");
    h.session->start();
    h.talk("");
    const std::string out =
        h.talk("CAPA\r\nUSER alice@example.test\r\nPASS right\r\nSTAT\r\nLIST\r\nUIDL 1\r\nTOP 1 0\r\n"
               "RETR 1\r\nDELE 1\r\nRSET\r\nNOOP\r\nQUIT\r\n",
               "left)\r\n");
    auto mb = store::Mailbox::open(h.root, "INBOX");
    REQUIRE(mb);
    REQUIRE(mb->sync());
    const std::string capa = "+OK Capability list follows\r\n" + capabilities() + ".\r\n";
    CHECK(out == capa + "+OK Send your password\r\n+OK Logged in.\r\n+OK 1 22\r\n+OK\r\n1 22\r\n.\r\n+OK 1 " +
                     uidl_for(mb->messages()[0].filename) +
                     "\r\n+OK\r\nSubject: one\r\n\r\n.\r\n+OK 22 octets\r\nSubject: one\r\n\r\nbody\r\n.\r\n"
                     "+OK Message deleted\r\n+OK\r\n+OK\r\n+OK Tern signing off (1 messages left)\r\n");
}

TEST_CASE("a user who never had mail logs in to an empty maildrop", "[pop3d][session][lock]") {
    Harness h;
    h.services.maildir_root = [&h](const std::string&) -> Result<std::string> { return h.root + "/fresh"; };
    h.session->start();
    h.talk("");
    h.login();
    CHECK(h.talk("STAT\r\n") == "+OK 0 0\r\n");
    CHECK(h.talk("UIDL\r\n", "\r\n.\r\n") == "+OK\r\n.\r\n");
}

TEST_CASE("a message file copied by hand within the Maildir still gets a UIDL of its own", "[pop3d][session][uidl]") {
    Harness h;
    h.deliver("Subject: one\n\nbody\n");
    auto mb = store::Mailbox::open(h.root, "INBOX");
    REQUIRE(mb);
    REQUIRE(mb->sync());
    REQUIRE(mb->messages().size() == 1);
    const std::string name = mb->messages()[0].filename;  // "cur/<base>,U=1:2,"
    // A copy with another UID field (the store keeps one file per base name,
    // so the copy must differ in more than its flags): the same UIDL source.
    const auto u = name.find(",U=1:2,");
    REQUIRE(u != std::string::npos);
    std::filesystem::copy_file(h.root + "/" + name, h.root + "/" + name.substr(0, u) + ",U=99:2,S");
    h.session->start();
    h.talk("");
    h.login();
    const std::string out = h.talk("UIDL\r\n", "\r\n.\r\n");
    const std::string first = uidl_for(name);
    CHECK(out.rfind("+OK\r\n1 " + first + "\r\n2 ~", 0) == 0);
    CHECK(out.size() == std::string("+OK\r\n1 \r\n2 \r\n.\r\n").size() + first.size() + 41);
}
