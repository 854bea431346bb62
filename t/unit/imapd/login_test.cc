// The not-authenticated state without a network: LOGINDISABLED and the
// refusal of passwords in clear (imapd_tls_auth_only), and AUTHENTICATE PLAIN
// (RFC 3501 6.2.2, RFC 4959 SASL-IR, RFC 4616) with authd replaced by a fake.
// TLS itself is tested against a real instance (t/integration/test_imap_tls.py).
#include <catch2/catch.hpp>

#include "t/unit/fake_password_check.h"

#include "t/unit/imapd/expected_caps.h"
#include <event2/event.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "imapd/session.h"
#include "libmail/event/event_ptrs.h"
#include "libmail/sasl/sasl.h"

using namespace tern;
using namespace tern::imapd;

using tern::imapd::test::kCaps;

namespace {

using FakeCheck = tern::test::FakePasswordCheck;

class Client {
public:
    explicit Client(bool tls_auth_only) {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
        client_ = fds[1];
        ::fcntl(client_, F_SETFL, O_NONBLOCK);
        evutil_make_socket_nonblocking(fds[0]);
        settings_.login_failure_delay = std::chrono::milliseconds(1);
        settings_.tls_auth_only = tls_auth_only;
        services_.check_password = [this](auth::PasswordRequest req, auth::PasswordCheck::Done done) {
            ++checks;
            auth::Verdict v;
            v.kind = req.password == "secret" && req.user == "alice" ? auth::Verdict::Kind::Ok
                                                                     : auth::Verdict::Kind::Fail;
            v.user = req.user;
            return std::unique_ptr<auth::PasswordCheck>(new FakeCheck(base_.get(), v, std::move(done)));
        };
        services_.maildir_root = [](const std::string&) -> Result<std::string> { return std::string("/nonexistent"); };
        session_ = std::make_unique<Session>(base_.get(), UniqueFd(fds[0]), "192.0.2.1", settings_, services_,
                                             [](Session*) {});
        session_->start();
        greeting = read_until("\r\n");
    }
    ~Client() {
        session_.reset();
        ::close(client_);
    }

    void send(const std::string& text) { REQUIRE(::write(client_, text.data(), text.size()) == (ssize_t)text.size()); }

    std::string read_until(const std::string& needle) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (buf_.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
            event_base_loop(base_.get(), EVLOOP_NONBLOCK);
            char tmp[4096];
            const ssize_t n = ::read(client_, tmp, sizeof tmp);
            if (n > 0) buf_.append(tmp, static_cast<std::size_t>(n));
            else ::usleep(1000);
        }
        const auto at = buf_.find(needle);
        std::string out = at == std::string::npos ? buf_ : buf_.substr(0, at + needle.size());
        buf_.erase(0, out.size());
        return out;
    }
    // Sends the lines and reads through the line that starts with "tag ".
    std::string cmd(const std::string& tag, const std::string& lines) {
        send(lines);
        std::string out;
        for (int i = 0; i < 100; ++i) {
            const std::string line = read_until("\r\n");
            if (line.empty()) break;
            out += line;
            if (line.rfind(tag + " ", 0) == 0) break;
        }
        return out;
    }
    Session::State state() const { return session_->state(); }

    std::string greeting;
    int checks = 0;

private:
    EventBasePtr base_{event_base_new()};
    int client_ = -1;
    Settings settings_;
    Services services_;
    std::unique_ptr<Session> session_;
    std::string buf_;
};

std::string plain(const std::string& authzid, const std::string& user, const std::string& password) {
    return sasl::encode_base64(authzid + '\0' + user + '\0' + password);
}

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("without TLS and imapd_tls_auth_only, passwords are refused before reaching authd", "[imapd][login]") {
    Client c(true);
    CHECK(c.greeting == "* OK [CAPABILITY " + kCaps + " LOGINDISABLED] Tern ready.\r\n");
    CHECK(has(c.cmd("a", "a CAPABILITY\r\n"), "* CAPABILITY " + kCaps + " LOGINDISABLED\r\n"));
    CHECK(has(c.cmd("b", "b LOGIN alice secret\r\n"), "b NO [PRIVACYREQUIRED] "));
    CHECK(has(c.cmd("c", "c AUTHENTICATE PLAIN " + plain("", "alice", "secret") + "\r\n"),
              "c NO [PRIVACYREQUIRED] "));
    CHECK(has(c.cmd("d", "d AUTHENTICATE PLAIN\r\n"), "d NO [PRIVACYREQUIRED] "));
    // No certificate: STARTTLS is neither listed nor accepted.
    CHECK(has(c.cmd("e", "e STARTTLS\r\n"), "e BAD TLS support isn't enabled."));
    CHECK(c.checks == 0);
    CHECK(c.state() == Session::State::NotAuthenticated);
}

TEST_CASE("AUTHENTICATE PLAIN with an initial response (SASL-IR)", "[imapd][login]") {
    Client c(false);
    CHECK(has(c.greeting, " AUTH=PLAIN SASL-IR]"));
    const std::string r = c.cmd("a", "a AUTHENTICATE PLAIN " + plain("", "alice", "secret") + "\r\n");
    CHECK(r == "a OK [CAPABILITY " + kCaps + "] Logged in\r\n");
    CHECK(c.state() == Session::State::Authenticated);
    // Logged in: AUTHENTICATE and STARTTLS belong to the not-authenticated state.
    CHECK(has(c.cmd("b", "b AUTHENTICATE PLAIN\r\n"), "b BAD "));
    CHECK(has(c.cmd("c", "c STARTTLS\r\n"), "c BAD "));
}

TEST_CASE("AUTHENTICATE PLAIN with a continuation, pipelined behind the command", "[imapd][login]") {
    Client c(false);
    // authzid equal to the user is accepted; the NOOP behind waits for the verdict.
    const std::string r = c.cmd("n", "a AUTHENTICATE plain\r\n" + plain("alice", "alice", "secret") + "\r\nn NOOP\r\n");
    CHECK(r == "+ \r\na OK [CAPABILITY " + kCaps + "] Logged in\r\nn OK NOOP completed\r\n");
    CHECK(c.state() == Session::State::Authenticated);
}

TEST_CASE("AUTHENTICATE failures: wrong password, cancel, bad base64, authzid, mechanism", "[imapd][login]") {
    Client c(false);
    CHECK(c.cmd("a", "a AUTHENTICATE PLAIN " + plain("", "alice", "wrong") + "\r\n") ==
          "a NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
    CHECK(c.cmd("b", "b AUTHENTICATE PLAIN\r\n*\r\n") == "+ \r\nb BAD Authentication cancelled.\r\n");
    CHECK(c.cmd("c", "c AUTHENTICATE PLAIN\r\n!!!!\r\n") == "+ \r\nc BAD Invalid base64 data in response.\r\n");
    CHECK(c.cmd("d", "d AUTHENTICATE PLAIN =\r\n") == "d NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
    CHECK(c.cmd("e", "e AUTHENTICATE PLAIN " + plain("bob", "alice", "secret") + "\r\n") ==
          "e NO [AUTHORIZATIONFAILED] Authorization identity not allowed.\r\n");
    CHECK(c.cmd("f", "f AUTHENTICATE LOGIN\r\n") == "f NO Unsupported authentication mechanism.\r\n");
    CHECK(has(c.cmd("g", "g AUTHENTICATE\r\n"), "g BAD Syntax"));
    CHECK(c.checks == 1);  // only the well-formed PLAIN went to authd
    CHECK(c.state() == Session::State::NotAuthenticated);
    // The exchange is over: the next line is a command again.
    CHECK(c.cmd("h", "h NOOP\r\n") == "h OK NOOP completed\r\n");
}
