#include <catch2/catch.hpp>

#include "libmail/smtp/reply.h"

using tern::smtp::Reply;

TEST_CASE("a reply is one CRLF line with its enhanced status", "[smtp][reply]") {
    CHECK(tern::smtp::format_reply(Reply{250, "2.0.0", "Ok"}) == "250 2.0.0 Ok\r\n");
    CHECK(tern::smtp::format_reply(Reply{220, "", "mx.example.test ESMTP Tern"}) ==
          "220 mx.example.test ESMTP Tern\r\n");
    CHECK(Reply{550, "5.1.1", "<a@b>: User unknown"}.line() == "550 5.1.1 <a@b>: User unknown");
}

TEST_CASE("CR and LF in reply text cannot start a new reply line", "[smtp][reply]") {
    CHECK(tern::smtp::format_reply(Reply{501, "5.5.4", "bad\r\n250 ok"}) == "501 5.5.4 bad  250 ok\r\n");
}

TEST_CASE("multi-line replies continue with '-' and end with ' '", "[smtp][reply]") {
    CHECK(tern::smtp::format_multiline(250, "", {"mx.example.test", "PIPELINING", "8BITMIME"}) ==
          "250-mx.example.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
    CHECK(tern::smtp::format_multiline(214, "2.0.0", {"a", "b"}) == "214-2.0.0 a\r\n214 2.0.0 b\r\n");
    CHECK(tern::smtp::format_multiline(250, "", {"only"}) == "250 only\r\n");
}
