#include <catch2/catch.hpp>

#include "imapd/search_keys.h"

using namespace tern::imapd;

namespace {
std::vector<std::uint32_t> run(const char* program) {
    Parser p(program);
    std::string error;
    auto key = parse_search(p, error);
    REQUIRE(key);
    REQUIRE(p.at_end());
    // Five messages: uid = 10 * seq; seq 1 and 3 seen, 4 deleted; size = 100 * seq.
    const char* flags[] = {"S", "", "FS", "T", ""};
    std::vector<std::uint32_t> out;
    for (std::uint32_t n = 1; n <= 5; ++n) {
        SearchItem it;
        it.seq = n;
        it.uid = n * 10;
        it.flags = flags[n - 1];
        it.size = n * 100u;
        it.max_seq = 5;
        it.max_uid = 50;
        it.internal_date = 1795583092 + (static_cast<std::int64_t>(n) - 3) * 86400;  // seq 3: 25-Nov-2026
        const std::string text = "From: User" + std::to_string(n) + " <u" + std::to_string(n) +
                                 "@x.test>\r\nSubject: Report " + (n % 2 ? "odd" : "even") + "\r\n\r\nBody of " +
                                 std::to_string(n) + "\r\n";
        it.message = [&text]() { return &text; };
        if (search_matches(*key, it)) out.push_back(n);
    }
    return out;
}
using V = std::vector<std::uint32_t>;
}  // namespace

TEST_CASE("SEARCH by flags, sets, sizes, NOT and OR", "[imapd][search]") {
    CHECK(run("ALL") == V{1, 2, 3, 4, 5});
    CHECK(run("SEEN") == V{1, 3});
    CHECK(run("UNSEEN") == V{2, 4, 5});
    CHECK(run("DELETED") == V{4});
    CHECK(run("UNDELETED UNSEEN") == V{2, 5});
    CHECK(run("2:3") == V{2, 3});
    CHECK(run("4:*") == V{4, 5});
    CHECK(run("UID 20,40:*") == V{2, 4, 5});
    CHECK(run("NOT SEEN") == V{2, 4, 5});
    CHECK(run("OR DELETED FLAGGED") == V{3, 4});
    CHECK(run("(SEEN) NOT (FLAGGED)") == V{1});
    CHECK(run("LARGER 250 SMALLER 450") == V{3, 4});
    CHECK(run("CHARSET UTF-8 SEEN") == V{1, 3});
    CHECK(run("NEW") == V{});
}

TEST_CASE("SEARCH by header, body, text and internal date", "[imapd][search]") {
    CHECK(run("FROM u2@") == V{2});
    CHECK(run("FROM user") == V{1, 2, 3, 4, 5});
    CHECK(run("SUBJECT \"report ODD\"") == V{1, 3, 5});
    CHECK(run("HEADER Subject even") == V{2, 4});
    CHECK(run("HEADER X-Missing \"\"") == V{});
    CHECK(run("BODY \"body of 4\"") == V{4});
    CHECK(run("BODY Subject") == V{});
    CHECK(run("TEXT subject") == V{1, 2, 3, 4, 5});
    CHECK(run("ON 25-Nov-2026") == V{3});
    CHECK(run("BEFORE 25-Nov-2026") == V{1, 2});
    CHECK(run("SINCE 25-nov-2026") == V{3, 4, 5});
    CHECK(run("SINCE 1-Dec-2026") == V{});
}

TEST_CASE("unsupported or malformed SEARCH programs are refused", "[imapd][search]") {
    const char* bad = GENERATE("", "SENTBEFORE 1-Jan-2020", "ON 32-Jan-2020", "FROM", "NOT", "OR SEEN", "UID", "(SEEN", "SEEN  UNSEEN", "CHARSET KOI8-R ALL");
    Parser p(bad);
    std::string error;
    auto key = parse_search(p, error);
    CHECK((!key || !p.at_end()));
}

TEST_CASE("SEARCH matches decoded text: RFC 2047 headers, quoted-printable and base64 bodies, charsets",
          "[imapd][search]") {
    const std::string message =
        "From: =?ISO-8859-1?Q?J=F6rg_M=FCller?= <jm@x.test>\r\n"
        "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgQmVybGlu?=\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        "Sch=F6ne Gr=FC=DFe vom M=\r\neer\r\n"
        "--b\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "PHA+SGFsbG8gV2VsdDwvcD4=\r\n"
        "--b--\r\n";
    auto found = [&](const char* program) {
        Parser p(program);
        std::string error;
        auto key = parse_search(p, error);
        REQUIRE(key);
        SearchItem it;
        it.seq = 1;
        it.uid = 1;
        it.max_seq = 1;
        it.max_uid = 1;
        it.message = [&message]() { return &message; };
        return search_matches(*key, it);
    };
    CHECK(found("CHARSET UTF-8 SUBJECT \"Grüße aus\""));  // B-encoded UTF-8
    CHECK(found("CHARSET UTF-8 FROM \"Jörg Müller\""));   // Q-encoded Latin-1
    CHECK(found("FROM jm@x.test"));                      // the bytes as written still match
    CHECK(found("CHARSET UTF-8 BODY \"Schöne Grüße vom Meer\""));  // QP soft break, Latin-1
    CHECK(found("BODY \"Hallo Welt\""));                 // base64 HTML part
    CHECK(found("CHARSET UTF-8 TEXT \"grüße aus berlin\""));  // header, any case of ASCII letters
    CHECK_FALSE(found("BODY \"Hallo Mond\""));
    CHECK_FALSE(found("SUBJECT Hamburg"));
}
