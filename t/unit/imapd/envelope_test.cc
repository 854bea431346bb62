#include <catch2/catch.hpp>

#include "imapd/envelope.h"

using namespace tern::imapd;

TEST_CASE("ENVELOPE from a typical header", "[imapd][envelope]") {
    const std::string h =
        "From: Dave <dave@remote.test>\r\nTo: alice@example.test, \"Bob, Jr.\" <bob@example.test>\r\n"
        "Subject: note\r\n 0\r\nDate: Wed, 25 Nov 2026 05:00:00 +0000\r\nMessage-ID: <x@remote.test>\r\n\r\n";
    CHECK(envelope(h) ==
          "(\"Wed, 25 Nov 2026 05:00:00 +0000\" \"note 0\" "
          "((\"Dave\" NIL \"dave\" \"remote.test\")) ((\"Dave\" NIL \"dave\" \"remote.test\")) "
          "((\"Dave\" NIL \"dave\" \"remote.test\")) "
          "((NIL NIL \"alice\" \"example.test\")(\"Bob, Jr.\" NIL \"bob\" \"example.test\")) "
          "NIL NIL NIL \"<x@remote.test>\")");
}

TEST_CASE("ENVELOPE of an empty header is all NIL", "[imapd][envelope]") {
    CHECK(envelope("\r\n") == "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST_CASE("Sender and Reply-To are kept when present", "[imapd][envelope]") {
    const std::string h = "From: a@x.test\r\nSender: s@x.test\r\nReply-To: r@x.test\r\n\r\n";
    CHECK(envelope(h) ==
          "(NIL NIL ((NIL NIL \"a\" \"x.test\")) ((NIL NIL \"s\" \"x.test\")) ((NIL NIL \"r\" \"x.test\")) "
          "NIL NIL NIL NIL NIL)");
}

TEST_CASE("address lists: groups, comments, quoted names, missing domain", "[imapd][envelope]") {
    CHECK(format_address_list(parse_address_list("undisclosed-recipients:;")) ==
          "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL))");
    CHECK(format_address_list(parse_address_list("team: a@x.test, b@x.test;, c@y.test")) ==
          "((NIL NIL \"team\" NIL)(NIL NIL \"a\" \"x.test\")(NIL NIL \"b\" \"x.test\")(NIL NIL NIL NIL)"
          "(NIL NIL \"c\" \"y.test\"))");
    CHECK(format_address_list(parse_address_list("joe@x.test (Joe Bloggs)")) == "((NIL NIL \"joe\" \"x.test\"))");
    CHECK(format_address_list(parse_address_list("\"Q \\\"T\\\"\" <q@x.test>")) ==
          "((\"Q \\\"T\\\"\" NIL \"q\" \"x.test\"))");
    CHECK(format_address_list(parse_address_list("root")) == "((NIL NIL \"root\" \"MISSING_DOMAIN\"))");
    CHECK(format_address_list(parse_address_list("")) == "NIL");
    CHECK(format_address_list(parse_address_list("<@route.test:u@h.test>")) == "((NIL NIL \"u\" \"h.test\"))");
    // A second ':' inside a group (found by imap_fuzz: it used to loop forever).
    CHECK(format_address_list(parse_address_list("g: a@x.test: b@y.test;")) ==
          "((NIL NIL \"g\" NIL)(NIL NIL \"a\" \"x.test\")(NIL NIL \"b\" \"y.test\")(NIL NIL NIL NIL))");
    CHECK(format_address_list(parse_address_list("g::::")).size() > 0);
}

TEST_CASE("IMAP strings are quoted when safe and literals otherwise", "[imapd][envelope]") {
    CHECK(imap_string("plain") == "\"plain\"");
    CHECK(imap_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(imap_string("caf\xc3\xa9") == "{5}\r\ncaf\xc3\xa9");
    CHECK(imap_string("two\r\nlines") == "{10}\r\ntwo\r\nlines");
    CHECK(imap_nstring(std::nullopt) == "NIL");
    CHECK(imap_string("") == "\"\"");
}

TEST_CASE("header parsing unfolds and splits header from body", "[imapd][envelope]") {
    const std::string m = "A: 1\r\nB: two\r\n\tparts\r\nnot a header line\r\n\r\nbody: not a header\r\n";
    const auto f = parse_header(header_block(m));
    REQUIRE(f.size() == 2);
    CHECK(f[1].name == "B");
    CHECK(f[1].value == "two\tparts");
    CHECK(m.substr(body_offset(m)) == "body: not a header\r\n");
    CHECK(body_offset("No-Body: x\r\n") == 12);
    CHECK(find_field(f, "b") == &f[1]);
}
