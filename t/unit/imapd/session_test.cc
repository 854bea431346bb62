// Session-level tests: commands go through a socketpair into a real Session on
// a real event loop, with authd replaced by a fake and a temporary Maildir.
#include <catch2/catch.hpp>

#include "t/unit/fake_password_check.h"

#include "t/unit/imapd/expected_caps.h"
#include <event2/event.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "imapd/session.h"
#include "libmail/event/event_ptrs.h"

using namespace tern;
using namespace tern::imapd;
namespace fs = std::filesystem;

using tern::imapd::test::kCaps;

namespace {

using FakeCheck = tern::test::FakePasswordCheck;

struct TempMaildir {
    fs::path root;
    TempMaildir() {
        char tmpl[] = "/tmp/imapd-test-XXXXXX";
        root = ::mkdtemp(tmpl);
        for (const char* d : {"cur", "new", "tmp"}) fs::create_directories(root / d);
    }
    ~TempMaildir() { fs::remove_all(root); }
    void deliver(const std::string& name, const std::string& text) {
        std::ofstream(root / "tmp" / name) << text;
        fs::rename(root / "tmp" / name, root / "new" / name);
    }
};

std::string message(int i) {
    return "Return-Path: <dave@remote.test>\nFrom: Dave <dave@remote.test>\nTo: alice@example.test\n"
           "Subject: note " + std::to_string(i) + "\nMessage-ID: <n" + std::to_string(i) +
           "@remote.test>\n\nHello " + std::to_string(i) + ".\nSecond line.\n";
}

class Harness {
public:
    explicit Harness(const std::string& root, std::chrono::milliseconds idle = std::chrono::minutes(30)) {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
        client_ = fds[1];
        ::fcntl(client_, F_SETFL, O_NONBLOCK);
        evutil_make_socket_nonblocking(fds[0]);
        settings_.login_failure_delay = std::chrono::milliseconds(10);
        settings_.idle_poll = std::chrono::milliseconds(50);
        settings_.idle_timeout = idle;
        services_.check_password = [this](auth::PasswordRequest req, auth::PasswordCheck::Done done) {
            auth::Verdict v;
            v.kind = req.password == "secret" ? auth::Verdict::Kind::Ok : auth::Verdict::Kind::Fail;
            v.user = req.user;
            return std::unique_ptr<auth::PasswordCheck>(new FakeCheck(base_.get(), v, std::move(done)));
        };
        services_.maildir_root = [root](const std::string&) -> Result<std::string> { return root; };
        session_ = std::make_unique<Session>(base_.get(), UniqueFd(fds[0]), "127.0.0.1", settings_, services_,
                                             [this](Session*) { done_ = true; });
        session_->start();
        greeting_ = read_until("\r\n");
    }
    ~Harness() {
        session_.reset();
        ::close(client_);
    }

    void send(const std::string& text) { REQUIRE(::write(client_, text.data(), text.size()) == (ssize_t)text.size()); }

    // Runs the loop until the output contains needle; returns everything read so far.
    std::string read_until(const std::string& needle) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (buf_.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
            event_base_loop(base_.get(), EVLOOP_NONBLOCK);
            char tmp[65536];
            const ssize_t n = ::read(client_, tmp, sizeof tmp);
            if (n > 0) buf_.append(tmp, static_cast<std::size_t>(n));
            else ::usleep(1000);
        }
        const auto at = buf_.find(needle);
        if (at == std::string::npos) {
            std::string all = std::move(buf_);
            buf_.clear();
            return all;
        }
        std::string out = buf_.substr(0, at + needle.size());
        buf_.erase(0, at + needle.size());
        return out;
    }

    // Sends "tag command" and returns the response up to and including the tagged line.
    std::string cmd(const std::string& tag, const std::string& command) {
        send(tag + " " + command + "\r\n");
        return read_tagged(tag);
    }

    // Reads through the line that starts with "tag ".
    std::string read_tagged(const std::string& tag) {
        std::string out;
        for (int i = 0; i < 100000; ++i) {
            std::string line = read_until("\r\n");
            if (line.empty()) break;
            out += line;
            if (line.rfind(tag + " ", 0) == 0) break;
        }
        return out;
    }

    bool done() const { return done_; }
    // Runs the loop until the session has ended (at most about 2 s).
    void pump_until_done() {
        for (int i = 0; i < 2000 && !done_; ++i) {
            event_base_loop(base_.get(), EVLOOP_NONBLOCK);
            char tmp[4096];
            while (::read(client_, tmp, sizeof tmp) > 0) {
            }
            ::usleep(1000);
        }
    }
    const std::string& greeting() const { return greeting_; }
    void login() { REQUIRE(cmd("L", "LOGIN alice secret").find("L OK") != std::string::npos); }

private:
    EventBasePtr base_{event_base_new()};
    int client_ = -1;
    Settings settings_;
    Services services_;
    std::unique_ptr<Session> session_;
    bool done_ = false;
    std::string buf_;
    std::string greeting_;
};

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("greeting, capability, bad and unknown commands, state checks", "[imapd][session]") {
    TempMaildir md;
    Harness h(md.root);
    // No certificate and clear-text passwords allowed (Settings' defaults): AUTH=PLAIN, no STARTTLS.
    CHECK(h.greeting() == "* OK [CAPABILITY " + kCaps + " AUTH=PLAIN SASL-IR] Tern ready.\r\n");
    CHECK(has(h.cmd("a1", "CAPABILITY"), "* CAPABILITY " + kCaps + " AUTH=PLAIN SASL-IR\r\na1 OK"));
    CHECK(has(h.cmd("a2", "FROB"), "a2 BAD Unknown command"));
    CHECK(has(h.cmd("a3", "SELECT INBOX"), "a3 BAD"));
    CHECK(has(h.cmd("a4", "LOGIN"), "a4 BAD"));
    CHECK(has(h.cmd("a5", "NOOP extra"), "a5 BAD"));
    h.send("\r\n");
    CHECK(has(h.read_until("\r\n"), "* BAD"));
    h.send(std::string(9000, 'x') + "\r\n");
    CHECK(has(h.read_until("\r\n"), "* BAD Command line too long"));
    CHECK(has(h.cmd("a6", "NOOP"), "a6 OK"));
}

TEST_CASE("LOGIN with a literal, failure answered after the delay, LOGOUT", "[imapd][session]") {
    TempMaildir md;
    Harness h(md.root);
    CHECK(has(h.cmd("b1", "LOGIN alice wrong"), "b1 NO [AUTHENTICATIONFAILED] Authentication failed."));
    h.send("b2 LOGIN {5}\r\n");
    CHECK(h.read_until("\r\n") == "+ Ready for literal data\r\n");
    h.send("alice {6+}\r\nsecret\r\n");
    CHECK(has(h.read_tagged("b2"), "b2 OK [CAPABILITY"));
    CHECK(has(h.cmd("b3", "LOGIN alice secret"), "b3 BAD"));
    CHECK(has(h.cmd("b4", "LOGOUT"), "* BYE"));
    h.pump_until_done();
    CHECK(h.done());
}

TEST_CASE("a literal too large before login is refused", "[imapd][session]") {
    TempMaildir md;
    Harness h(md.root);
    h.send("c1 LOGIN {100000}\r\n");
    CHECK(has(h.read_until("\r\n"), "c1 BAD Literal too large"));
    CHECK(has(h.cmd("c2", "NOOP"), "c2 OK"));
}

TEST_CASE("three failed logins close the connection", "[imapd][session]") {
    TempMaildir md;
    Harness h(md.root);
    h.cmd("d1", "LOGIN a b");
    h.cmd("d2", "LOGIN a b");
    CHECK(has(h.cmd("d3", "LOGIN a b"), "d3 NO [AUTHENTICATIONFAILED]"));
    CHECK(has(h.read_until("\r\n"), "* BYE"));
}

TEST_CASE("SELECT, FETCH, STORE, SEARCH, EXPUNGE and new mail on NOOP", "[imapd][session]") {
    TempMaildir md;
    for (int i = 0; i < 3; ++i) md.deliver("100000000" + std::to_string(i) + ".M1P1.test", message(i));
    Harness h(md.root);
    h.login();

    CHECK(has(h.cmd("n1", "NAMESPACE"), "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\nn1 OK"));  // RFC 2342
    CHECK(has(h.cmd("n2", "NAMESPACE x"), "n2 BAD"));
    const auto list = h.cmd("e0", "LIST \"\" *");
    CHECK(has(list, "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n"));
    // A new account starts with the special-use folders (RFC 6154).
    CHECK(has(list, "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"\r\n"));

    const auto sel = h.cmd("e1", "SELECT inbox");
    CHECK(has(sel, "* 3 EXISTS\r\n"));
    CHECK(has(sel, "* OK [UNSEEN 1]"));
    CHECK(has(sel, "* OK [UIDVALIDITY "));
    CHECK(has(sel, "* OK [UIDNEXT 4]"));
    CHECK(has(sel, "e1 OK [READ-WRITE] SELECT completed"));

    const auto f = h.cmd("e2", "FETCH 1:* (UID FLAGS RFC822.SIZE ENVELOPE)");
    CHECK(has(f, "* 1 FETCH (UID 1 FLAGS () RFC822.SIZE "));
    CHECK(has(f, "\"note 0\" ((\"Dave\" NIL \"dave\" \"remote.test\"))"));
    CHECK(has(f, "* 3 FETCH (UID 3 "));

    const auto text = h.cmd("e3", "FETCH 1 BODY.PEEK[TEXT]");
    CHECK(has(text, "* 1 FETCH (BODY[TEXT] {24}\r\nHello 0.\r\nSecond line.\r\n)\r\n"));
    CHECK(has(h.cmd("e4", "FETCH 1 FLAGS"), "* 1 FETCH (FLAGS ())"));
    const auto body = h.cmd("e5", "FETCH 1 BODY[]");
    CHECK(has(body, "BODY[] {"));
    CHECK(has(body, "Return-Path: <dave@remote.test>\r\n"));
    CHECK(has(body, "FLAGS (\\Seen))"));

    CHECK(has(h.cmd("e6", "UID SEARCH UNSEEN"), "* SEARCH 2 3\r\n"));
    CHECK(has(h.cmd("e7", "UID STORE 2 +FLAGS (\\Flagged \\Seen)"), "* 2 FETCH (UID 2 FLAGS (\\Flagged \\Seen))"));
    CHECK_FALSE(has(h.cmd("e8", "STORE 3 +FLAGS.SILENT \\Deleted"), "FETCH"));
    CHECK(has(h.cmd("e9", "SEARCH DELETED"), "* SEARCH 3\r\n"));
    CHECK(has(h.cmd("e10", "FETCH 9 FLAGS"), "e10 BAD"));

    const auto ex = h.cmd("e11", "EXPUNGE");
    CHECK(has(ex, "* 3 EXPUNGE\r\ne11 OK"));
    CHECK(has(h.cmd("e12", "SEARCH ALL"), "* SEARCH 1 2\r\n"));

    md.deliver("1000000009.M1P1.test", message(9));
    CHECK(has(h.cmd("e13", "NOOP"), "* 3 EXISTS\r\n"));
    CHECK(has(h.cmd("e14", "UID FETCH 4 (FLAGS)"), "* 3 FETCH (UID 4 FLAGS ())"));
    // Another program (mutt) sets a flag on the file: the next NOOP reports it.
    for (const auto& e : fs::directory_iterator(md.root / "cur")) {
        const std::string n = e.path().filename().string();
        if (n.rfind("1000000009.", 0) == 0) fs::rename(e.path(), md.root / "cur" / (n.substr(0, n.find(':')) + ":2,F"));
    }
    CHECK(has(h.cmd("e14b", "NOOP"), "* 3 FETCH (FLAGS (\\Flagged))\r\n"));

    h.send("e14c IDLE\r\n");
    CHECK(h.read_until("\r\n") == "+ idling\r\n");
    md.deliver("1000000010.M1P1.test", message(10));
    CHECK(h.read_until("\r\n") == "* 4 EXISTS\r\n");  // within Settings::idle_poll
    h.send("DONE\r\n");
    CHECK(h.read_tagged("e14c") == "e14c OK IDLE terminated\r\n");

    CHECK(has(h.cmd("e15", "EXAMINE INBOX"), "e15 OK [READ-ONLY]"));
    h.cmd("e16", "FETCH 3 BODY[]");
    CHECK(has(h.cmd("e17", "FETCH 3 FLAGS"), "* 3 FETCH (FLAGS (\\Flagged))\r\n"));  // no \Seen: EXAMINE
    CHECK(has(h.cmd("e18", "STORE 3 +FLAGS (\\Seen)"), "e18 NO"));
    CHECK(has(h.cmd("e19", "CLOSE"), "e19 OK"));
    CHECK(has(h.cmd("e20", "FETCH 1 FLAGS"), "e20 BAD"));
    CHECK(has(h.cmd("e21", "SELECT Nonexistent"), "e21 NO"));
}

TEST_CASE("CLOSE expunges silently when read-write", "[imapd][session]") {
    TempMaildir md;
    md.deliver("1000000001.M1P1.test", message(1));
    md.deliver("1000000002.M1P1.test", message(2));
    Harness h(md.root);
    h.login();
    h.cmd("f1", "SELECT INBOX");
    h.cmd("f2", "STORE 1 +FLAGS (\\Deleted)");
    const auto close = h.cmd("f3", "CLOSE");
    CHECK_FALSE(has(close, "EXPUNGE"));
    CHECK(has(h.cmd("f4", "SELECT INBOX"), "* 1 EXISTS"));
    CHECK(has(h.cmd("f5", "STATUS INBOX (MESSAGES UNSEEN)"), "* STATUS \"INBOX\" (MESSAGES 1 UNSEEN 1)"));
}

TEST_CASE("an idle client is logged out with BYE", "[imapd][session]") {
    TempMaildir md;
    Harness h(md.root, std::chrono::milliseconds(100));
    CHECK(h.read_until("\r\n") == "* BYE Autologout; idle for too long\r\n");
    h.pump_until_done();
    CHECK(h.done());
}

TEST_CASE("a FETCH larger than the output high-water mark pauses and completes", "[imapd][session]") {
    TempMaildir md;
    const std::string line(999, 'x');
    std::string big = message(0);
    for (int i = 0; i < 1100; ++i) big += line + "\n";  // about 1.1 MB each
    for (int i = 0; i < 6; ++i) md.deliver("100000000" + std::to_string(i) + ".M1P1.test", big);
    Harness h(md.root);
    h.login();
    h.cmd("g1", "SELECT INBOX");
    // A command pipelined behind the FETCH runs only after the FETCH has finished.
    h.send("g2 FETCH 1:* BODY.PEEK[]\r\ng3 NOOP\r\n");
    const auto out = h.read_tagged("g3");
    for (int i = 1; i <= 6; ++i) CHECK(has(out, "* " + std::to_string(i) + " FETCH (BODY[] {"));
    const auto ok = out.find("g2 OK FETCH completed");
    REQUIRE(ok != std::string::npos);
    CHECK(out.find("* 6 FETCH") < ok);
    CHECK(ok < out.find("g3 OK"));
    CHECK(out.size() > 6 * kFetchOutputHighWater / 4);
}
