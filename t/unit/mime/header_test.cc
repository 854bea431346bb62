// The header block parser: unfolding, line ends, lookup, limits, raw ranges.
#include <catch2/catch.hpp>

#include "libmail/mime/header.h"

using namespace tern::mime;

TEST_CASE("header fields are unfolded and found by any case of their name", "[mime][header]") {
    const std::string eol = GENERATE(std::string("\r\n"), std::string("\n"));
    const std::string m = "Subject: a long" + eol + "\tsubject" + eol + "from: x@y.test" + eol + "X-Empty:" + eol +
                          "Received: one" + eol + "Received: two" + eol + eol + "body" + eol;
    const Header h = parse_header(m);
    REQUIRE(h.fields.size() == 5);
    CHECK_FALSE(h.truncated);
    REQUIRE(h.find("SUBJECT"));
    CHECK(h.find("subject")->value == "a long\tsubject");
    CHECK(h.find("From")->name == "from");
    CHECK(h.find("x-empty")->value.empty());
    CHECK(h.find("Cc") == nullptr);
    const auto received = h.find_all("received");
    REQUIRE(received.size() == 2);
    CHECK(received[1]->value == "two");
    // The raw range is the field as written, continuation and line end included.
    CHECK(h.find("subject")->raw == Range{0, 15 + eol.size() + 8 + eol.size()});
    CHECK(h.find("received")->raw.in(m) == "Received: one" + eol);
    CHECK(header_end(m) == m.find("body"));
}

TEST_CASE("a header without an empty line runs to the end of the text", "[mime][header]") {
    const std::string m = "Subject: no body\r\nFrom: a@b.test";
    CHECK(header_end(m) == m.size());
    const Header h = parse_header(m);
    REQUIRE(h.fields.size() == 2);
    CHECK(h.fields[1].value == "a@b.test");
    CHECK(h.fields[1].raw == Range{18, 14});
}

TEST_CASE("lines that are not fields are skipped with their continuations", "[mime][header]") {
    const std::string m =
        "From sender@x.test Mon Dec  7 00:00:00 2026\n"  // an mbox separator
        "Subject : old style\n"                            // white space before the colon (RFC 5322 4.5)
        "no colon here\n"
        " continued\n"
        "Na\xc3\xafve: 8-bit name\n"
        "X-8bit: caf\xc3\xa9\n"
        "\n";
    const Header h = parse_header(m);
    REQUIRE(h.fields.size() == 2);
    CHECK(h.fields[0].name == "Subject");
    CHECK(h.fields[0].value == "old style");
    CHECK(h.fields[1].value == "caf\xc3\xa9");
}

TEST_CASE("header limits: field count, field length, block size", "[mime][header]") {
    std::string m;
    for (int i = 0; i < 20; ++i) m += "X-N: " + std::to_string(i) + "\r\n";
    m += "Subject: " + std::string(100, 'a') + "\r\n\r\n";
    HeaderLimits l;
    l.max_fields = 5;
    Header h = parse_header(m, l);
    CHECK(h.fields.size() == 5);
    CHECK(h.truncated);

    l = {};
    l.max_field_octets = 10;
    h = parse_header(m, l);
    CHECK(h.find("Subject")->value == "aaaaaaaaa");  // 10 octets after the colon, trimmed
    CHECK(h.truncated);

    l = {};
    l.max_block_octets = 30;
    h = parse_header(m, l);
    CHECK(h.fields.size() == 4);  // lines starting before octet 30: 8 octets each
    CHECK(h.truncated);
}

TEST_CASE("a header parsed inside a range reports offsets of the whole text", "[mime][header]") {
    const std::string m = "preamble\nContent-Type: text/plain\n\nbody";
    const Header h = parse_header(m, Range{9, m.size() - 9});
    REQUIRE(h.fields.size() == 1);
    CHECK(h.fields[0].raw == Range{9, 25});
    CHECK(header_end(m, 9) == m.find("body"));
}
