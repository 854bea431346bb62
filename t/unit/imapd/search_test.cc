#include <catch2/catch.hpp>

#include "imapd/casefold.h"
#include "imapd/mail_date.h"
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
                                 "@x.test>\r\nSubject: Report " + (n % 2 ? "odd" : "even") +
                                 "\r\nDate: Mon, " + std::to_string(n) + " Feb 2026 23:30:00 -0800" +
                                 "\r\n\r\nBody of " + std::to_string(n) + "\r\n";
        const std::vector<std::string> keywords = n == 2 ? std::vector<std::string>{"$Junk", "Work"}
                                                         : std::vector<std::string>{};
        it.keywords = keywords;
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
    const char* bad = GENERATE("", "SENTBEFORE 1-Foo-2020", "KEYWORD", "MODSEQ x", "MODSEQ \"/flags/x\" bad 5", "$1", "ON 32-Jan-2020", "FROM", "NOT", "OR SEEN", "UID", "(SEEN", "SEEN  UNSEEN", "CHARSET KOI8-R ALL");
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

TEST_CASE("SEARCH by sent date, keywords and OLD/NEW", "[imapd][search]") {
    // The Date: day counts as written (23:30 -0800 is the next day in UTC).
    CHECK(run("SENTON 2-Feb-2026") == V{2});
    CHECK(run("SENTBEFORE 3-Feb-2026") == V{1, 2});
    CHECK(run("SENTSINCE 4-FEB-2026") == V{4, 5});
    CHECK(run("KEYWORD work") == V{2});
    CHECK(run("KEYWORD $Junk") == V{2});
    CHECK(run("UNKEYWORD Work") == V{1, 3, 4, 5});
    CHECK(run("OLD") == V{1, 2, 3, 4, 5});
    CHECK(run("RECENT") == V{});
    CHECK(run("OR (SEEN DELETED) (NOT SEEN 1:2)") == V{2});
}

TEST_CASE("\"$\" parses as the saved result and matches nothing until the session replaces it",
          "[imapd][search]") {
    Parser p("$ UID $");
    std::string error;
    auto key = parse_search(p, error);
    REQUIRE(key);
    REQUIRE(key->sub.size() == 2);
    CHECK(is_saved_result(key->sub[0].set));
    CHECK(is_saved_result(key->sub[1].set));
    CHECK(run("$") == V{});
}

TEST_CASE("case-insensitive matching folds Unicode letters, not only ASCII", "[imapd][search][casefold]") {
    CHECK(casefold("ÄÖÜ Straße ΣΑΣ Москва ǅ Ω") == "äöü straße σασ москва ǆ ω");
    CHECK(fold_contains("Grüße aus MÜNCHEN", "münchen"));
    CHECK(fold_contains("ΚΑΛΗΜΕΡΑ", "καλημέρα") == false);  // accents differ
    CHECK(fold_contains("ΚΑΛΗΜΈΡΑ", "καλημέρα"));
    CHECK(fold_contains("ПРИВЕТ мир", "привет МИР"));
    CHECK(fold_contains("Ｆｕｌｌ", "ｆｕｌｌ"));
    CHECK(fold_contains("\xff\xfe" "BINARY", "binary"));  // invalid UTF-8 passes through
    CHECK_FALSE(fold_contains("abc", "abcd"));
}

TEST_CASE("Date: headers and search dates", "[imapd][search][date]") {
    auto d = parse_mail_date("Tue, 1 Jul 2003 10:52:37 +0200");
    REQUIRE(d);
    CHECK(d->day == days_from_civil(2003, 7, 1));
    CHECK(d->utc_seconds == 1057049557);
    auto obs = parse_mail_date("1 Jul 03 10:52 EST (Eastern)");
    REQUIRE(obs);
    CHECK(obs->utc_seconds == days_from_civil(2003, 7, 1) * 86400 + 15 * 3600 + 52 * 60);
    CHECK(parse_mail_date("31 Dec 1999")->day == days_from_civil(1999, 12, 31));
    CHECK_FALSE(parse_mail_date("yesterday"));
    CHECK_FALSE(parse_mail_date("Tue, 41 Jul 2003 10:52:37 +0200"));
    CHECK(parse_search_date("1-Jan-1970") == 0);
    CHECK(parse_search_date("29-Feb-2024") == days_from_civil(2024, 2, 29));
    CHECK_FALSE(parse_search_date("1-Foo-2020"));
    CHECK(day_of(-1) == -1);
}
