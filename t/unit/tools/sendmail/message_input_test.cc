// sendmail's reading of standard input: line ends, the lone dot, -t and Bcc.
#include <catch2/catch.hpp>

#include <sysexits.h>

#include "tools/sendmail/message_input.h"

using namespace tern::sendmail;
using V = std::vector<std::string>;

namespace {

struct Read {
    std::string headers, body;
    V rcpts;
};

// Feeds input in chunks of chunk bytes, as read(2) would give it.
Read read_all(const std::string& input, InputOptions o, std::size_t chunk = 5) {
    MessageInput in(o);
    Read r;
    for (std::size_t i = 0; i < input.size() && !in.done(); i += chunk) {
        in.feed(std::string_view(input).substr(i, chunk));
        r.body += in.take_body();
    }
    in.finish();
    r.body += in.take_body();
    REQUIRE(in.headers_complete());
    r.headers = in.header_section();
    r.rcpts = in.recipients();
    return r;
}

}  // namespace

TEST_CASE("CRLF becomes LF and a lone dot ends the input unless -i", "[sendmail]") {
    for (std::size_t chunk : {1, 3, 100}) {
        auto r = read_all("Subject: x\r\n\r\nline\r\n.\r\nafter\r\n", {}, chunk);
        CHECK(r.headers == "Subject: x\n");
        CHECK(r.body == "\nline\n");
        InputOptions i;
        i.ignore_dots = true;
        auto ri = read_all("Subject: x\r\n\r\nline\r\n.\r\nafter", i, chunk);
        CHECK(ri.body == "\nline\n.\nafter\n");  // the last line gets its LF
    }
    // ".." and ". " are not the end.
    CHECK(read_all("S: x\n\n..\n. \nend\n", {}).body == "\n..\n. \nend\n");
}

TEST_CASE("a leading mbox From line is dropped", "[sendmail]") {
    auto r = read_all("From root Mon Jan  1 00:00:00 2024\nSubject: x\n\nFrom here\n", {});
    CHECK(r.headers == "Subject: x\n");
    CHECK(r.body == "\nFrom here\n");
}

TEST_CASE("-t takes To, Cc and Bcc and removes Bcc", "[sendmail]") {
    InputOptions t;
    t.extract_recipients = true;
    auto r = read_all("From: me@x\nTo: Alice <alice@example.test>,\n bob@example.test\ncc: carol@example.test\n"
                      "BCC: secret@example.test\n  (folded)\nSubject: s\n\nTo: not@header\n",
                      t, 2);
    CHECK(r.rcpts == V{"alice@example.test", "bob@example.test", "carol@example.test", "secret@example.test"});
    CHECK(r.headers == "From: me@x\nTo: Alice <alice@example.test>,\n bob@example.test\ncc: carol@example.test\n"
                       "Subject: s\n");
    CHECK(r.body == "\nTo: not@header\n");

    // Without -t nothing is taken and Bcc stays.
    auto plain = read_all("To: a@x\nBcc: b@x\n\n", {});
    CHECK(plain.rcpts.empty());
    CHECK(plain.headers == "To: a@x\nBcc: b@x\n");
}

TEST_CASE("-t with Resent- headers takes the Resent- recipients only", "[sendmail]") {
    InputOptions t;
    t.extract_recipients = true;
    auto r = read_all("To: old@x\nResent-To: new@x\nResent-Bcc: hidden@x\n\nbody\n", t);
    CHECK(r.rcpts == V{"new@x", "hidden@x"});
    CHECK(r.headers == "To: old@x\nResent-To: new@x\n");
}

TEST_CASE("a message without a header section, or without a blank line", "[sendmail]") {
    auto r = read_all("just text\nmore\n", {});
    CHECK(r.headers.empty());
    CHECK(r.body == "just text\nmore\n");
    auto h = read_all("Subject: only headers", {});
    CHECK(h.headers == "Subject: only headers\n");
    CHECK(h.body.empty());
    auto e = read_all("", {});
    CHECK(e.headers.empty());
    CHECK(e.body.empty());
}

TEST_CASE("long lines pass through in pieces; limits are enforced while reading", "[sendmail]") {
    const std::string long_line(200 * 1024, 'q');
    auto r = read_all("Subject: x\n\n" + long_line + "\n.\n", {}, 4096);
    CHECK(r.body == "\n" + long_line + "\n");

    InputOptions small;
    small.message_size_limit = 1000;
    try {
        read_all("Subject: x\n\n" + std::string(2000, 'z') + "\n", small, 64);
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK(e.exit_code == EX_DATAERR);
        CHECK(e.message == "message too large (message_size_limit is 1000 bytes)");
    }
    InputOptions hs;
    hs.header_section_limit = 100;
    try {
        std::string many;
        for (int i = 0; i < 20; ++i) many += "X-H: 1234567890\n";
        read_all(many + "\nbody\n", hs);
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK(e.message.find("message header section too large") == 0);
    }
}
