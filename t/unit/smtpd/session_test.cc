// Session-level tests: a real event_base, a socketpair for the client, a temp
// queue directory. Golden transcripts in t/data/smtpd/NAME.in (client lines,
// sent pipelined with CRLF) and NAME.ref (the server's replies, queue IDs
// replaced by QUEUEID).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/queue/queue_file.h"
#include "smtpd/session.h"
#include "t/unit/smtpd/harness.h"

using namespace tern;
using namespace tern::test;
namespace fs = std::filesystem;


TEST_CASE("golden SMTP transcripts", "[smtpd][session]") {
    auto name = GENERATE(as<std::string>{}, "basic", "sequence", "syntax", "recipients", "reset", "pipelining");
    INFO("t/data/smtpd/" << name << ".in");
    auto in = read_file(data_dir() + name + ".in", 1 << 20);
    auto ref = read_file(data_dir() + name + ".ref", 1 << 20);
    REQUIRE(in);
    REQUIRE(ref);
    Harness h;
    CHECK(normalised(h.talk(crlf(*in))) == *ref);
    CHECK(h.server->session_count() == 0);
    CHECK(h.temp_files().empty());  // nothing half-written is left behind
}

TEST_CASE("an accepted message is in incoming/ with envelope and Received header", "[smtpd][session]") {
    Harness h;
    const std::string out = h.talk(crlf(
        "EHLO client.example.org\n"
        "MAIL FROM:<sender@example.org> BODY=8BITMIME\n"
        "RCPT TO:<alice@example.test>\n"
        "DATA\n"
        "Subject: caf\xc3\xa9\n"
        "\n"
        "..dot\n"
        "body\n"
        ".\n"
        "QUIT\n"));
    std::smatch m;
    REQUIRE(std::regex_search(out, m, std::regex("250 2\\.0\\.0 Ok: queued as ([0-9A-Za-z]+)\r\n221 2\\.0\\.0 Bye\r\n$")));
    const std::string id = m[1];
    auto files = h.queued();
    REQUIRE(files.size() == 1);
    CHECK(fs::path(files[0]).filename() == id);

    auto qf = queue::read_queue_file(files[0]);
    REQUIRE(qf);
    CHECK(qf->env.sender == "sender@example.org");
    REQUIRE(qf->env.recipients.size() == 1);
    CHECK(qf->env.recipients[0].address == "alice@example.test");
    CHECK(qf->env.recipients[0].notify == 0);
    REQUIRE(qf->env.attr("client_address"));
    CHECK(*qf->env.attr("client_address") == "192.0.2.7");
    CHECK(*qf->env.attr("client_name") == "unknown");
    CHECK(*qf->env.attr("helo_name") == "client.example.org");
    CHECK(*qf->env.attr("protocol") == "ESMTP");

    const std::string content = content_of(files[0]);
    const std::regex received("^Received: from client\\.example\\.org \\(unknown \\[192\\.0\\.2\\.7\\]\\)\n"
                              "\tby mx\\.example\\.test \\(Tern\\) with ESMTP id " + id + "\n"
                              "\tfor <alice@example\\.test>; [A-Z][a-z]{2}, \\d\\d [A-Z][a-z]{2} \\d{4} "
                              "\\d\\d:\\d\\d:\\d\\d \\+0000 \\(UTC\\)\n");
    CHECK(std::regex_search(content, received));
    CHECK(content.substr(content.find("Subject:")) == "Subject: caf\xc3\xa9\n\n.dot\nbody\n");

    const std::string log = h.maillog();
    CHECK(log.find("connect from unknown[192.0.2.7]") != std::string::npos);
    CHECK(log.find(id + ": client=unknown[192.0.2.7]") != std::string::npos);
    CHECK(log.find("disconnect from unknown[192.0.2.7] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5") !=
          std::string::npos);
}

TEST_CASE("two recipients: no 'for' in Received, HELO gives 'with SMTP'", "[smtpd][session]") {
    Harness h;
    const std::string out = h.talk(crlf("HELO client\nMAIL FROM:<>\nRCPT TO:<alice@example.test>\n"
                                        "RCPT TO:<bob@example.test>\nDATA\nhi\n.\nQUIT\n"));
    CHECK(out.find("250 2.0.0 Ok: queued as") != std::string::npos);
    auto files = h.queued();
    REQUIRE(files.size() == 1);
    auto qf = queue::read_queue_file(files[0]);
    REQUIRE(qf);
    CHECK(qf->env.sender.empty());
    CHECK(qf->env.recipients.size() == 2);
    CHECK(*qf->env.attr("protocol") == "SMTP");
    const std::string content = content_of(files[0]);
    CHECK(content.find(" with SMTP id ") != std::string::npos);
    CHECK(content.find("\tfor <") == std::string::npos);
}

TEST_CASE("rejected recipients are logged in Postfix's shape", "[smtpd][session]") {
    Harness h;
    h.talk(crlf("EHLO c.example\nMAIL FROM:<s@example.org>\nRCPT TO:<nobody@example.test>\nRCPT TO:<x@far.example>\n"
                "QUIT\n"));
    const std::string log = h.maillog();
    CHECK(log.find("NOQUEUE: reject: RCPT from unknown[192.0.2.7]: 550 5.1.1 <nobody@example.test>: Recipient "
                   "address rejected: User unknown in virtual mailbox table; from=<s@example.org> "
                   "to=<nobody@example.test> proto=ESMTP helo=<c.example>") != std::string::npos);
    CHECK(log.find("NOQUEUE: reject: RCPT from unknown[192.0.2.7]: 554 5.7.1 <x@far.example>: Relay access denied;")
          != std::string::npos);
    CHECK(log.find("disconnect from unknown[192.0.2.7] ehlo=1 mail=1 rcpt=0/2 quit=1 commands=3/5") !=
          std::string::npos);
    CHECK(h.queued().empty());
}

TEST_CASE("mynetworks clients may relay", "[smtpd][session]") {
    Harness h;
    const std::string out = h.talk(crlf("EHLO c\nMAIL FROM:<s@example.org>\nRCPT TO:<x@far.example>\nQUIT\n"),
                                   true, "127.0.0.1");
    CHECK(out.find("250 2.1.5 Ok") != std::string::npos);
}

TEST_CASE("a message over message_size_limit is read to its end, refused, and not queued", "[smtpd][session]") {
    Harness h([](smtpd::Settings& s) { s.message_size_limit = 2000; });
    std::string body;
    for (int i = 0; i < 100; ++i) body += std::string(70, 'x') + "\r\n";
    const std::string out = h.talk(crlf("EHLO c\nMAIL FROM:<s@example.org>\nRCPT TO:<alice@example.test>\nDATA\n") +
                                   body + ".\r\nNOOP\r\nQUIT\r\n");
    CHECK(out.find("250-SIZE 2000\r\n") != std::string::npos);
    CHECK(out.find("354 End data with <CR><LF>.<CR><LF>\r\n552 5.3.4 Message size exceeds fixed limit\r\n"
                   "250 2.0.0 Ok\r\n221 2.0.0 Bye\r\n") != std::string::npos);
    CHECK(h.queued().empty());
    CHECK(h.temp_files().empty());
}

TEST_CASE("MAIL FROM with SIZE over the limit is refused at once", "[smtpd][session]") {
    Harness h([](smtpd::Settings& s) { s.message_size_limit = 2000; });
    const std::string out = h.talk(crlf("EHLO c\nMAIL FROM:<s@example.org> SIZE=2001\nMAIL FROM:<s@example.org> SIZE=2000\nQUIT\n"));
    CHECK(out.find("552 5.3.4 Message size exceeds fixed limit\r\n250 2.1.0 Ok\r\n") != std::string::npos);
}

TEST_CASE("a large message streams through with long lines intact", "[smtpd][session]") {
    Harness h;
    const std::string long_line(5000, 'y');
    std::string body = "Subject: big\r\nX-Long: " + long_line + "\r\n\r\n";
    for (int i = 0; i < 20000; ++i) body += "line " + std::to_string(i) + " \xe2\x82\xac\r\n";
    const std::string out = h.talk(crlf("EHLO c\nMAIL FROM:<s@example.org>\nRCPT TO:<alice@example.test>\nDATA\n") +
                                   body + ".\r\nQUIT\r\n");
    CHECK(out.find("250 2.0.0 Ok: queued as") != std::string::npos);
    auto files = h.queued();
    REQUIRE(files.size() == 1);
    const std::string content = content_of(files[0]);
    std::string expect = body;
    std::string lf;
    for (std::size_t i = 0; i < expect.size(); ++i)
        if (expect[i] != '\r') lf += expect[i];
    CHECK(content.substr(content.find("Subject:")) == lf);
}

TEST_CASE("SMTP smuggling: <LF>.<LF> and <LF>.<CR><LF> do not end the data", "[smtpd][session]") {
    Harness h;
    const std::string out = h.talk("EHLO c\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
                                   "a\n.\nMAIL FROM:<x@y.test>\r\nb\n.\r\nRCPT TO:<z@far.example>\r\n.\r\nQUIT\r\n");
    CHECK(normalised(out).find("354 End data with <CR><LF>.<CR><LF>\n250 2.0.0 Ok: queued as QUEUEID\n221 2.0.0 Bye\n")
          != std::string::npos);
    auto files = h.queued();
    REQUIRE(files.size() == 1);
    const std::string content = content_of(files[0]);
    CHECK(content.substr(content.find("a\n")) == "a\n\nMAIL FROM:<x@y.test>\nb\n\nRCPT TO:<z@far.example>\n");
}

TEST_CASE("over-long command lines are refused and skipped", "[smtpd][session]") {
    Harness h;
    const std::string out = h.talk("EHLO c\r\nNOOP " + std::string(2000, 'a') + "\r\nNOOP\r\nQUIT\r\n");
    CHECK(normalised(out).find("500 5.5.2 Error: line too long\n250 2.0.0 Ok\n221 2.0.0 Bye\n") != std::string::npos);
    // A line far longer than one read: discarded as it arrives, answered once.
    Harness h3;
    const std::string big = h3.talk("NOOP " + std::string(300000, 'b') + "\r\nNOOP\r\nQUIT\r\n");
    CHECK(normalised(big) == "220 mx.example.test ESMTP Tern\n500 5.5.2 Error: line too long\n250 2.0.0 Ok\n"
                             "221 2.0.0 Bye\n");
    // Exactly 1000 octets with CRLF is allowed.
    Harness h2;
    const std::string ok = h2.talk("NOOP " + std::string(1000 - 7, 'a') + "\r\nQUIT\r\n");
    CHECK(ok.find("250 2.0.0 Ok\r\n221") != std::string::npos);
}

TEST_CASE("smtpd_hard_error_limit closes the session with 421", "[smtpd][session]") {
    Harness h([](smtpd::Settings& s) { s.smtpd_hard_error_limit = 3; });
    const std::string out = h.talk("BAD1\r\nBAD2\r\nBAD3\r\nNOOP\r\n");
    CHECK(normalised(out) == "220 mx.example.test ESMTP Tern\n500 5.5.2 Error: command not recognized\n"
                             "500 5.5.2 Error: command not recognized\n500 5.5.2 Error: command not recognized\n"
                             "421 4.7.0 mx.example.test Error: too many errors\n");
    CHECK(h.maillog().find("too many errors after UNKNOWN from unknown[192.0.2.7]") != std::string::npos);
}

TEST_CASE("smtpd_recipient_limit answers 452 4.5.3", "[smtpd][session]") {
    Harness h([](smtpd::Settings& s) { s.smtpd_recipient_limit = 2; });
    const std::string out = h.talk(crlf("EHLO c\nMAIL FROM:<s@example.org>\nRCPT TO:<alice@example.test>\n"
                                        "RCPT TO:<bob@example.test>\nRCPT TO:<alice@example.test>\nQUIT\n"));
    CHECK(out.find("250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n452 4.5.3 Error: too many recipients\r\n") != std::string::npos);
}

TEST_CASE("an idle client gets 421 after smtpd_timeout", "[smtpd][session]") {
    Harness h([](smtpd::Settings& s) { s.smtpd_timeout = std::chrono::seconds(1); });
    const std::string out = h.talk("EHLO c\r\n", false);
    CHECK(out.find("421 4.4.2 mx.example.test Error: timeout exceeded\r\n") != std::string::npos);
    CHECK(h.maillog().find("timeout after EHLO from unknown[192.0.2.7]") != std::string::npos);
}

TEST_CASE("VRFY can be disabled", "[smtpd][session]") {
    Harness on;
    CHECK(on.talk("VRFY alice\r\nQUIT\r\n").find("252 2.0.0 alice\r\n") != std::string::npos);
    Harness off([](smtpd::Settings& s) { s.disable_vrfy_command = true; });
    CHECK(off.talk("VRFY alice\r\nQUIT\r\n").find("502 5.5.1 VRFY command is disabled\r\n") != std::string::npos);
}

TEST_CASE("smtpd_helo_required refuses MAIL before HELO", "[smtpd][session]") {
    Harness h([](smtpd::Settings& s) { s.smtpd_helo_required = true; });
    CHECK(h.talk("MAIL FROM:<a@b.test>\r\nQUIT\r\n").find("503 5.5.1 Error: send HELO/EHLO first\r\n") !=
          std::string::npos);
}

TEST_CASE("a queue that cannot be written gets 451 4.3.0, never 250", "[smtpd][session]") {
    Harness h;
    fs::remove_all(h.dir.queue() + "/incoming");  // the environment's fault (DESIGN.md invariant 4)
    const std::string out = h.talk(crlf("EHLO c\nMAIL FROM:<s@example.org>\nRCPT TO:<alice@example.test>\nDATA\n"
                                        "x\n.\nQUIT\n"));
    CHECK(out.find("451 4.3.0 Error: queue file write error\r\n") != std::string::npos);
    CHECK(out.find("queued as") == std::string::npos);
    // The file is created when the message is committed (smtpd's loop only buffers it).
    CHECK(h.maillog().find(": queue file write error: create queue file " + h.dir.queue() + "/incoming/.tmp.") !=
          std::string::npos);
}

TEST_CASE("a client that vanishes or times out inside DATA leaves nothing in the queue", "[smtpd][session]") {
    const std::string partial = "EHLO c\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
                                "Subject: cut\r\n\r\npartial body\r\n";
    Harness gone;
    const std::string out = gone.talk(partial);  // half-close: EOF in the middle of the message
    CHECK(out.find("354 ") != std::string::npos);
    CHECK(out.find("queued as") == std::string::npos);
    CHECK(gone.queued().empty());
    CHECK(gone.temp_files().empty());
    CHECK(gone.maillog().find("lost connection after DATA from unknown[192.0.2.7]") != std::string::npos);

    Harness slow([](smtpd::Settings& s) { s.smtpd_timeout = std::chrono::seconds(1); });
    const std::string out2 = slow.talk(partial, false);
    CHECK(out2.find("421 4.4.2 mx.example.test Error: timeout exceeded\r\n") != std::string::npos);
    CHECK(slow.queued().empty());
    CHECK(slow.temp_files().empty());
}

TEST_CASE("a long pipelined burst is answered in order, every reply delivered", "[smtpd][session]") {
    Harness h;
    std::string in;
    for (int i = 0; i < 20000; ++i) in += "NOOP\r\n";  // ~300 KB of replies: reading pauses and resumes
    std::string expect = "220 mx.example.test ESMTP Tern\r\n";
    for (int i = 0; i < 20000; ++i) expect += "250 2.0.0 Ok\r\n";
    CHECK(h.talk(in) == expect);  // no QUIT: the half-closed client still gets every reply
    CHECK(h.maillog().find("noop=20000 commands=20000") != std::string::npos);
}

TEST_CASE("per-client connection limits answer 421 4.7.0; mynetworks is exempt", "[smtpd][session]") {
    Harness h([](smtpd::Settings& s) {
        s.connection_count_limit = 1;
        s.connection_rate_limit = 2;
    });
    // A session that is still open holds its place: the next one is refused.
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    UniqueFd held(sv[1]);
    h.server->accept(UniqueFd(sv[0]), server::Peer{"203.0.113.7", 1});
    CHECK(h.talk("QUIT\r\n", true, "203.0.113.7") ==
          "421 4.7.0 mx.example.test Error: too many connections from 203.0.113.7\r\n");
    CHECK(h.maillog().find("warning: Connection concurrency limit exceeded: 2 from unknown[203.0.113.7] for service smtp") !=
          std::string::npos);
    held.reset();
    event_base_loop(h.base.get(), EVLOOP_NONBLOCK);
    event_base_loop(h.base.get(), EVLOOP_NONBLOCK);
    // Two connections per minute (refused ones do not count): the third is
    // refused even though the others closed.
    CHECK(h.talk("QUIT\r\n", true, "203.0.113.7").rfind("220 ", 0) == 0);
    CHECK(h.talk("QUIT\r\n", true, "203.0.113.7") ==
          "421 4.7.0 mx.example.test Error: too many connections from 203.0.113.7\r\n");
    CHECK(h.maillog().find("Connection rate limit exceeded: 3 from unknown[203.0.113.7]") != std::string::npos);
    CHECK(h.talk("QUIT\r\n", true, "203.0.113.8").rfind("220 ", 0) == 0);
    for (int i = 0; i < 4; ++i) CHECK(h.talk("QUIT\r\n", true, "127.0.0.1").rfind("220 ", 0) == 0);
}

TEST_CASE("pregreet: a client that talks before the whole greeting is refused and logged", "[smtpd][session]") {
    Harness h([](smtpd::Settings& s) { s.pregreet_wait = std::chrono::seconds(1); });
    CHECK(h.talk("EHLO spambot\r\n") ==
          "220-mx.example.test ESMTP Tern\r\n554 5.7.1 mx.example.test Error: talked before the greeting\r\n");
    CHECK(h.maillog().find("PREGREET 14 after 0.") != std::string::npos);
    CHECK(h.maillog().find("from [192.0.2.7]:40000: EHLO spambot") != std::string::npos);

    // A client that waits gets the whole greeting; it is not tested again,
    // and neither is mynetworks.
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    UniqueFd patient(sv[1]);
    h.server->accept(UniqueFd(sv[0]), server::Peer{"203.0.113.5", 1});
    std::string greeting;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (greeting.find("220 ") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        event_base_loop(h.base.get(), EVLOOP_ONCE);
        char buf[512];
        const auto n = ::recv(patient.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) greeting.append(buf, static_cast<std::size_t>(n));
    }
    CHECK(greeting == "220-mx.example.test ESMTP Tern\r\n220 mx.example.test ESMTP Tern\r\n");
    patient.reset();
    CHECK(h.talk("QUIT\r\n", true, "203.0.113.5") == "220 mx.example.test ESMTP Tern\r\n221 2.0.0 Bye\r\n");
    CHECK(h.talk("QUIT\r\n", true, "127.0.0.1") == "220 mx.example.test ESMTP Tern\r\n221 2.0.0 Bye\r\n");
}

TEST_CASE("AUTH bad input gets a precise reply and a logged failure, never a crash", "[smtpd][auth]") {
    Harness h([](smtpd::Settings& s) {
        s.sasl_auth_enable = true;
        s.tls_auth_only = false;  // no TLS in this harness
    });
    // 10 KB of credentials, base64-encoded: a password, then a user name.
    const std::string big_password = sasl::encode_base64(std::string("\0alice\0", 7) + std::string(7000, 'x'));
    const std::string big_user = sasl::encode_base64(std::string(7000, 'u'));
    const std::string out = h.talk(
        "EHLO c.example\r\n"
        "AUTH CRAM-MD5\r\n"                       // not offered
        "AUTH\r\n"                                // no mechanism
        "AUTH PLAIN !!!notbase64\r\n"             // bad base64 in the initial response
        "AUTH PLAIN =\r\n"                        // an empty initial response (RFC 4954 4: "=")
        "AUTH PLAIN\r\n*\r\n"                     // cancelled
        "AUTH LOGIN\r\nQUJD\r\n" + big_password + "\r\n"  // a 10 KB password
        "AUTH LOGIN " + big_user + "\r\n"                   // a 10 KB user name
        "AUTH PLAIN " + big_password + "\r\n"               // 10 KB of credentials at once
        "AUTH PLAIN " + std::string(13000, 'A') + "\r\n"  // over RFC 4954's 12288
        "NOOP " + std::string(1200, 'x') + "\r\n"  // other commands keep the 1000 limit
        "QUIT\r\n");
    const auto ehlo_end = out.find("250 CHUNKING\r\n");
    REQUIRE(ehlo_end != std::string::npos);
    CHECK(out.substr(ehlo_end + 14) ==
          "504 5.5.4 Unrecognized authentication type\r\n"
          "501 5.5.4 Syntax: AUTH mechanism\r\n"
          "501 5.5.2 Cannot decode response\r\n"
          "535 5.7.8 Error: authentication failed: no NUL separator\r\n"
          "334 \r\n501 5.7.0 Authentication aborted\r\n"
          "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n535 5.7.8 Error: authentication failed: password too long\r\n"
          "535 5.7.8 Error: authentication failed: user name too long\r\n"
          "535 5.7.8 Error: authentication failed: password too long\r\n"
          "500 5.5.6 Authentication Exchange line is too long\r\n"
          "500 5.5.2 Error: line too long\r\n"
          "221 2.0.0 Bye\r\n");
    const std::string log = h.maillog();
    CHECK(log.find("warning: unknown[192.0.2.7]: SASL PLAIN authentication failed: malformed base64") !=
          std::string::npos);
    CHECK(log.find("warning: unknown[192.0.2.7]: SASL LOGIN authentication failed: password too long") !=
          std::string::npos);
    CHECK(log.find("warning: unknown[192.0.2.7]: SASL authentication failed: response line too long") !=
          std::string::npos);
}

TEST_CASE("RCPT asks authd about the account; without authd the recipient is accepted", "[smtpd][session]") {
    Harness h([](smtpd::Settings& s) { s.account_checks = true; });
    const std::string out = h.talk("EHLO c.example\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<alice@example.test>\r\n"
                                   "RCPT TO:<bob@example.test>\r\nQUIT\r\n");
    CHECK(out.find("250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n221 2.0.0 Bye") != std::string::npos);
    // local checks again before delivering; the failure is only logged here.
    CHECK(h.maillog().find("warning: account check of alice@example.test:") != std::string::npos);
}

TEST_CASE("an IPv4-mapped IPv6 client is treated as the IPv4 client", "[smtpd][session]") {
    Harness h;
    const std::string out = h.talk("EHLO c.example\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@remote.test>\r\nQUIT\r\n",
                                   true, "::ffff:127.0.0.1");
    CHECK(out.find("250 2.1.5 Ok") != std::string::npos);  // 127.0.0.1 is in mynetworks: it may relay
    CHECK(h.maillog().find("connect from unknown[127.0.0.1]") != std::string::npos);
}

TEST_CASE("a queue file system below queue_minfree answers MAIL with 452 4.3.1", "[smtpd][session]") {
    Harness h([](smtpd::Settings& s) { s.queue_minfree = std::uint64_t{1} << 62; });  // more than any disk
    const std::string out = h.talk("EHLO c.example\r\nMAIL FROM:<a@b.test>\r\nQUIT\r\n");
    CHECK(out.find("452 4.3.1 Insufficient system storage\r\n") != std::string::npos);
    CHECK(h.maillog().find("warning: not enough free space in mail queue:") != std::string::npos);
    Harness roomy;  // the default: 1.5 x message_size_limit, which /tmp has
    CHECK(roomy.talk("EHLO c.example\r\nMAIL FROM:<a@b.test>\r\nQUIT\r\n").find("250 2.1.0 Ok") != std::string::npos);
}
