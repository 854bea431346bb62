// CHUNKING/BDAT (RFC 3030), DSN (RFC 3461) and SMTPUTF8 (RFC 6531) as a
// client sees them: the replies, and what lands in the queue file.
#include <catch2/catch.hpp>

#include <regex>
#include <string>

#include "t/unit/smtpd/harness.h"

using namespace tern;
using namespace tern::test;

namespace {

const std::string kHello = "EHLO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<alice@example.test>\r\n";

std::string bdat(const std::string& chunk, bool last = false) {
    return "BDAT " + std::to_string(chunk.size()) + (last ? " LAST" : "") + "\r\n" + chunk;
}

// The replies after the EHLO block.
std::string after_ehlo(const std::string& out) {
    const auto pos = out.find("250 CHUNKING\r\n");
    REQUIRE(pos != std::string::npos);
    return normalised(out.substr(pos + 14));
}

}  // namespace

TEST_CASE("BDAT chunks make one message, CRLF becomes LF, dots stay", "[smtpd][bdat]") {
    Harness h;
    // A CRLF split across two chunks, a leading dot that BDAT never stuffs.
    const std::string c1 = "Subject: chunked\r\n\r\n.not stuffed\r";
    const std::string c2 = "\nbare\rCR\r\nend\r\n";
    const std::string out = h.talk(kHello + bdat(c1) + bdat(c2) + bdat("", true) + "QUIT\r\n");
    CHECK(after_ehlo(out) ==
          "250 2.1.0 Ok\n250 2.1.5 Ok\n"
          "250 2.0.0 Ok: " + std::to_string(c1.size()) + " octets received\n"
          "250 2.0.0 Ok: " + std::to_string(c2.size()) + " octets received\n"
          "250 2.0.0 Ok: queued as QUEUEID\n221 2.0.0 Bye\n");
    auto files = h.queued();
    REQUIRE(files.size() == 1);
    const std::string content = content_of(files[0]);
    CHECK(content.substr(content.find("Subject:")) == "Subject: chunked\n\n.not stuffed\nbare\rCR\nend\n");
    CHECK(h.maillog().find("bdat=3") != std::string::npos);
}

TEST_CASE("BDAT LAST alone carries a whole message", "[smtpd][bdat]") {
    Harness h;
    const std::string out = h.talk(kHello + bdat("Subject: one\r\n\r\nbody\r\n", true) + "QUIT\r\n");
    CHECK(after_ehlo(out) == "250 2.1.0 Ok\n250 2.1.5 Ok\n250 2.0.0 Ok: queued as QUEUEID\n221 2.0.0 Bye\n");
    CHECK(h.queued().size() == 1);
}

TEST_CASE("refused BDAT chunks are still read, so the next command is found", "[smtpd][bdat]") {
    Harness h;
    // "RSET" inside the chunk must not be taken as a command.
    const std::string chunk = "RSET\r\nQUIT\r\n";
    const std::string out = h.talk("EHLO c.example\r\n" + bdat(chunk) +          // no MAIL
                                   "MAIL FROM:<a@example.org>\r\n" + bdat(chunk) +  // no RCPT
                                   "RCPT TO:<alice@example.test>\r\n" + "BDAT 5 MORE\r\n12345" +
                                   "NOOP\r\nQUIT\r\n");
    CHECK(after_ehlo(out) ==
          "503 5.5.1 Error: need MAIL command\n"
          "250 2.1.0 Ok\n"
          "503 5.5.1 Error: need RCPT command\n"
          "250 2.1.5 Ok\n"
          "501 5.5.4 Syntax: BDAT count [LAST]\n"
          "250 2.0.0 Ok\n221 2.0.0 Bye\n");
    CHECK(h.queued().empty());
}

TEST_CASE("DATA after BDAT is refused; a bad BDAT size closes the session", "[smtpd][bdat]") {
    Harness h;
    std::string out = h.talk(kHello + bdat("Subject: x\r\n") + "DATA\r\nRSET\r\nQUIT\r\n");
    CHECK(after_ehlo(out) == "250 2.1.0 Ok\n250 2.1.5 Ok\n250 2.0.0 Ok: 12 octets received\n"
                             "503 5.5.1 Error: DATA after BDAT\n250 2.0.0 Ok\n221 2.0.0 Bye\n");
    CHECK(h.queued().empty());
    CHECK(h.temp_files().empty());

    out = h.talk(kHello + "BDAT ten\r\nQUIT\r\n");
    CHECK(after_ehlo(out) == "250 2.1.0 Ok\n250 2.1.5 Ok\n501 5.5.4 Syntax: BDAT count [LAST]\n"
                             "421 4.5.0 mx.example.test Error: cannot find the end of the BDAT chunk\n");
}

TEST_CASE("a BDAT message over message_size_limit is refused with 552 and not queued", "[smtpd][bdat]") {
    Harness h([](smtpd::Settings& s) { s.message_size_limit = 2000; });
    const std::string big(3000, 'x');
    const std::string out = h.talk(kHello + bdat(big) + bdat("more", true) + "QUIT\r\n");
    CHECK(after_ehlo(out) == "250 2.1.0 Ok\n250 2.1.5 Ok\n552 5.3.4 Message size exceeds fixed limit\n"
                             "503 5.5.1 Error: need MAIL command\n221 2.0.0 Bye\n");
    CHECK(h.queued().empty());
    CHECK(h.temp_files().empty());
}

TEST_CASE("DSN parameters are stored in the queue file", "[smtpd][dsn]") {
    Harness h;
    const std::string out = h.talk(
        "EHLO c.example\r\n"
        "MAIL FROM:<a@example.org> RET=HDRS ENVID=QQ314159\r\n"
        "RCPT TO:<alice@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Alice+40example.test\r\n"
        "RCPT TO:<bob@example.test> NOTIFY=NEVER\r\n"
        "DATA\r\nSubject: dsn\r\n\r\nbody\r\n.\r\nQUIT\r\n");
    CHECK(out.find("250 2.0.0 Ok: queued as") != std::string::npos);
    auto files = h.queued();
    REQUIRE(files.size() == 1);
    auto qf = queue::read_queue_file(files[0]);
    REQUIRE(qf);
    REQUIRE(qf->env.attr("ret"));
    CHECK(*qf->env.attr("ret") == "HDRS");
    REQUIRE(qf->env.attr("envid"));
    CHECK(*qf->env.attr("envid") == "QQ314159");
    REQUIRE(qf->env.recipients.size() == 2);
    CHECK(qf->env.recipients[0].notify == (queue::kNotifySuccess | queue::kNotifyFailure));
    CHECK(qf->env.recipients[0].orcpt == "rfc822;Alice+40example.test");
    CHECK(qf->env.recipients[1].notify == queue::kNotifyNever);
    CHECK(qf->env.recipients[1].orcpt.empty());
}

TEST_CASE("SMTPUTF8: UTF-8 addresses only in a transaction that declares it", "[smtpd][smtputf8]") {
    Harness h([](smtpd::Settings&) {});
    const std::string out = h.talk(
        "EHLO c.example\r\n"
        "MAIL FROM:<j\xc3\xb6rg@example.org>\r\n"
        "MAIL FROM:<a@example.org>\r\n"
        "RCPT TO:<\xc3\xa5sa@example.test>\r\n"
        "RSET\r\n"
        "MAIL FROM:<j\xc3\xb6rg@example.org> SMTPUTF8\r\n"
        "RCPT TO:<alice@example.test>\r\n"
        "DATA\r\nSubject: \xc3\xa9t\xc3\xa9\r\n\r\nbody\r\n.\r\nQUIT\r\n");
    CHECK(after_ehlo(out) ==
          "553 5.6.7 Must declare SMTPUTF8 to send unicode address\n"
          "250 2.1.0 Ok\n"
          "553 5.6.7 Must declare SMTPUTF8 to send unicode address\n"
          "250 2.0.0 Ok\n250 2.1.0 Ok\n250 2.1.5 Ok\n354 End data with <CR><LF>.<CR><LF>\n"
          "250 2.0.0 Ok: queued as QUEUEID\n221 2.0.0 Bye\n");
    auto files = h.queued();
    REQUIRE(files.size() == 1);
    auto qf = queue::read_queue_file(files[0]);
    REQUIRE(qf);
    CHECK(qf->env.sender == "j\xc3\xb6rg@example.org");
    REQUIRE(qf->env.attr("smtputf8"));
    CHECK(*qf->env.attr("smtputf8") == "yes");
    CHECK(content_of(files[0]).find(" with UTF8SMTP id ") != std::string::npos);
}

TEST_CASE("header_checks act on DATA and BDAT messages", "[smtpd][cleanup]") {
    TempDir tables;
    const std::string checks = tables.write("header_checks",
                                            "/^Subject: .*lottery/ REJECT no lotteries here\n"
                                            "/^Subject: .*hold me/ HOLD\n"
                                            "/^X-Junk:/ IGNORE\n");
    Harness h({}, "header_checks = pcre:" + checks + "\n");
    std::string out = h.talk(kHello + "DATA\r\nSubject: you won the lottery\r\n\r\nbody\r\n.\r\nQUIT\r\n");
    CHECK(after_ehlo(out) == "250 2.1.0 Ok\n250 2.1.5 Ok\n354 End data with <CR><LF>.<CR><LF>\n"
                             "550 5.7.1 no lotteries here\n221 2.0.0 Bye\n");
    CHECK(h.queued().empty());
    CHECK(h.maillog().find("reject: header Subject: you won the lottery from unknown[192.0.2.7]") != std::string::npos);

    out = h.talk(kHello + bdat("Subject: the lottery\r\n\r\nx\r\n", true) + "QUIT\r\n");
    CHECK(after_ehlo(out) == "250 2.1.0 Ok\n250 2.1.5 Ok\n550 5.7.1 no lotteries here\n221 2.0.0 Bye\n");

    out = h.talk(kHello + "DATA\r\nSubject: please hold me\r\nX-Junk: yes\r\n\r\nbody\r\n.\r\nQUIT\r\n");
    CHECK(out.find("250 2.0.0 Ok: queued as") != std::string::npos);
    CHECK(h.queued().empty());  // in hold/, not incoming/
    std::vector<std::string> held;
    for (const auto& e : fs::directory_iterator(h.dir.queue() + "/hold")) held.push_back(e.path().string());
    REQUIRE(held.size() == 1);
    const std::string content = content_of(held[0]);
    CHECK(content.find("X-Junk") == std::string::npos);
    CHECK(content.find("Subject: please hold me\n") != std::string::npos);
}

TEST_CASE("Message-ID and Date are added when always_add_missing_headers is set", "[smtpd][cleanup]") {
    Harness h([](smtpd::Settings& s) { s.always_add_missing_headers = true; });
    h.talk(kHello + "DATA\r\nSubject: bare\r\n\r\nbody\r\n.\r\nQUIT\r\n");
    auto files = h.queued();
    REQUIRE(files.size() == 1);
    const std::string content = content_of(files[0]);
    CHECK(std::regex_search(content, std::regex("\nMessage-I[Dd]: <[^@>]+@mx\\.example\\.test>\n")));
    CHECK(std::regex_search(content, std::regex("\nDate: [A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} \\d{4} ")));

    Harness plain;  // relayed mail is left as it came
    plain.talk(kHello + "DATA\r\nSubject: bare\r\n\r\nbody\r\n.\r\nQUIT\r\n");
    files = plain.queued();
    REQUIRE(files.size() == 1);
    CHECK(content_of(files[0]).find("Message-I") == std::string::npos);
}
