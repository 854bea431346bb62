#include <catch2/catch.hpp>

#include "imapd/bodystructure.h"
#include "imapd/fetch_atts.h"

using namespace tern::imapd;

namespace {
std::vector<FetchAtt> parse(const char* text) {
    Parser p(text);
    auto a = parse_fetch_atts(p);
    REQUIRE(a);
    REQUIRE(p.at_end());
    return *a;
}
bool refused(const char* text) {
    Parser p(text);
    auto a = parse_fetch_atts(p);
    return !a || !p.at_end();
}
const std::string kMessage =
    "From: a@b.test\r\nSubject: hi\r\nX-Long: one\r\n two\r\n\r\nHello.\r\nSecond line.\r\n";
}  // namespace

TEST_CASE("FETCH macros expand to their items", "[imapd][fetch]") {
    CHECK(parse("ALL").size() == 4);
    CHECK(parse("FAST").size() == 3);
    auto full = parse("full");
    REQUIRE(full.size() == 5);
    CHECK(full.back().kind == FetchKind::Body);
}

TEST_CASE("FETCH item lists and sections parse", "[imapd][fetch]") {
    auto a = parse("(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODY.PEEK[HEADER] BODY[TEXT]<0.10> RFC822)");
    REQUIRE(a.size() == 8);
    CHECK(a[0].kind == FetchKind::Uid);
    CHECK(a[5].kind == FetchKind::Section);
    CHECK(a[5].peek);
    CHECK(a[5].section == SectionKind::Header);
    CHECK(response_name(a[5]) == "BODY[HEADER]");
    CHECK_FALSE(sets_seen(a[5]));
    CHECK(a[6].origin == 0u);
    CHECK(a[6].count == 10);
    CHECK(response_name(a[6]) == "BODY[TEXT]<0>");
    CHECK(sets_seen(a[6]));
    CHECK(sets_seen(a[7]));

    auto f = parse("BODY.PEEK[HEADER.FIELDS (Subject \"From\")]");
    REQUIRE(f.size() == 1);
    CHECK(f[0].section == SectionKind::HeaderFields);
    CHECK(response_name(f[0]) == "BODY[HEADER.FIELDS (SUBJECT FROM)]");

    auto part = parse("BODY[1]");
    CHECK(part[0].part == std::vector<std::uint32_t>{1});
    CHECK(response_name(part[0]) == "BODY[1]");
}

TEST_CASE("malformed FETCH items are refused", "[imapd][fetch]") {
    const char* bad = GENERATE("", "(", "()", "(UID", "FROB", "BODY[", "BODY[FOO]", "BODY[]<1>", "BODY[]<1.0>",
                               "BODY.PEEK", "(ALL)", "BODY[HEADER.FIELDS]", "UID FLAGS");
    CHECK(refused(bad));
}

TEST_CASE("section bytes come from the right part of the message", "[imapd][fetch]") {
    auto get = [&](const char* item) {
        auto a = parse(item);
        return std::string(apply_partial(section_bytes(kMessage, a[0]), a[0]));
    };
    CHECK(get("BODY[]") == kMessage);
    CHECK(get("BODY[HEADER]") == "From: a@b.test\r\nSubject: hi\r\nX-Long: one\r\n two\r\n\r\n");
    CHECK(get("BODY[TEXT]") == "Hello.\r\nSecond line.\r\n");
    CHECK(get("BODY[1]") == "Hello.\r\nSecond line.\r\n");
    CHECK(get("BODY[TEXT]<2.3>") == "llo");
    CHECK(get("BODY[TEXT]<1000.3>") == "");
    CHECK(get("BODY[HEADER.FIELDS (x-long)]") == "X-Long: one\r\n two\r\n\r\n");
    CHECK(get("BODY[HEADER.FIELDS.NOT (X-Long From)]") == "Subject: hi\r\n\r\n");
    CHECK(get("RFC822.HEADER") == get("BODY[HEADER]"));
    CHECK(get("RFC822.TEXT") == get("BODY[TEXT]"));
    CHECK(get("BODY[2]") == "");
}

TEST_CASE("INTERNALDATE has RFC 3501's fixed format in UTC", "[imapd][fetch]") {
    CHECK(format_internaldate(1795583092) == "25-Nov-2026 05:04:52 +0000");
    CHECK(format_internaldate(0) == " 1-Jan-1970 00:00:00 +0000");
}

TEST_CASE("body structure of a plain and a multipart message", "[imapd][fetch]") {
    using tern::mime::parse_structure;
    CHECK(body_structure(kMessage, parse_structure(kMessage), false) ==
          "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 22 2)");
    CHECK(body_structure(kMessage, parse_structure(kMessage), true) ==
          "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 22 2 NIL NIL NIL NIL)");
    const std::string mp =
        "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\npreamble\r\n--XX\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nfirst\r\n--XX\r\n"
        "Content-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJD\r\n"
        "--XX--\r\nepilogue\r\n";
    // "first" before the delimiter is one line: the CRLF before "--XX" belongs to the delimiter.
    CHECK(body_structure(mp, parse_structure(mp), false) ==
          "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 5 1)"
          "(\"APPLICATION\" \"PDF\" (\"NAME\" \"a.pdf\") NIL NIL \"BASE64\" 4) \"MIXED\")");
    // BODYSTRUCTURE adds the extension data: MD5, disposition, language, location;
    // a multipart's parameters.
    CHECK(body_structure(mp, parse_structure(mp), true) ==
          "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 5 1 NIL NIL NIL NIL)"
          "(\"APPLICATION\" \"PDF\" (\"NAME\" \"a.pdf\") NIL NIL \"BASE64\" 4 NIL NIL NIL NIL) \"MIXED\" "
          "(\"BOUNDARY\" \"XX\") NIL NIL NIL)");
    Parser p("BODY[2]");
    auto a = parse_fetch_atts(p);
    CHECK(section_bytes(mp, (*a)[0]) == "QUJD");
    Parser m("BODY[1.MIME]");
    auto b = parse_fetch_atts(m);
    CHECK(section_bytes(mp, (*b)[0]) == "Content-Type: text/plain; charset=utf-8\r\n\r\n");
}

TEST_CASE("sections of a message/rfc822 part; HEADER only where there is a message", "[imapd][fetch]") {
    const std::string m =
        "Subject: outer\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        "Content-Type: text/plain\r\nContent-Disposition: inline\r\nContent-Language: en\r\n\r\nfirst line\r\nsecond\r\n"
        "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nFrom: x@y.test\r\n\r\ninner body\r\n"
        "--b--\r\n";
    auto get = [&](const char* att) {
        Parser p(att);
        auto a = parse_fetch_atts(p);
        REQUIRE(a);
        return section_bytes(m, (*a)[0]);
    };
    CHECK(get("BODY[1]") == "first line\r\nsecond");
    CHECK(get("BODY[1.HEADER]") == "");  // RFC 9051 6.4.5: HEADER is a message's, not a text part's
    CHECK(get("BODY[1.MIME]") ==
          "Content-Type: text/plain\r\nContent-Disposition: inline\r\nContent-Language: en\r\n\r\n");
    CHECK(get("BODY[2.HEADER]") == "Subject: inner\r\nFrom: x@y.test\r\n\r\n");
    CHECK(get("BODY[2.TEXT]") == "inner body");
    CHECK(get("BODY[2.HEADER.FIELDS (FROM)]") == "From: x@y.test\r\n\r\n");
    CHECK(get("BODY[3]") == "");
    const auto s = body_structure(m, tern::mime::parse_structure(m), true);
    CHECK(s.find("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 18 2 NIL (\"INLINE\" NIL) \"en\" NIL)") !=
          std::string::npos);
    CHECK(s.find("(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" ") != std::string::npos);
    CHECK(s.find("\"inner\"") != std::string::npos);  // the encapsulated message's envelope
}

TEST_CASE("RFC 2231 parameters: encoded again for IMAP4rev1, decoded for IMAP4rev2", "[imapd][fetch]") {
    const std::string m =
        "Content-Type: application/pdf; name*0=\"long \"; name*1=\"name.pdf\"\r\n"
        "Content-Disposition: attachment; filename*=iso-8859-1'fr'%E9t%E9.pdf\r\n\r\nbody";
    const auto rev1 = body_structure(m, tern::mime::parse_structure(m), true);
    // Continuations without charset are plain values, joined.
    CHECK(rev1.find("(\"NAME\" \"long name.pdf\")") != std::string::npos);
    CHECK(rev1.find("(\"ATTACHMENT\" (\"FILENAME*\" \"utf-8'fr'%C3%A9t%C3%A9.pdf\"))") != std::string::npos);
    const auto rev2 = body_structure(m, tern::mime::parse_structure(m), true, true);
    CHECK(rev2.find("(\"ATTACHMENT\" (\"FILENAME\" {9}\r\n\xc3\xa9t\xc3\xa9.pdf))") != std::string::npos);
}

TEST_CASE("BINARY[part] decodes the transfer encoding; BINARY.SIZE gives the decoded size", "[imapd][fetch]") {
    const std::string m =
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe=\r\n!\r\n"
        "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC/w==\r\n"
        "--b\r\nContent-Type: application/x-odd\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n"
        "--b--\r\n";
    const auto s = tern::mime::parse_structure(m);
    auto att = [](const char* text) {
        Parser p(text);
        auto a = parse_fetch_atts(p);
        REQUIRE(a);
        REQUIRE(p.at_end());
        return (*a)[0];
    };
    CHECK(*binary_bytes(m, s, att("BINARY[1]")) == "Grüße!");
    CHECK(*binary_bytes(m, s, att("BINARY.PEEK[2]")) == std::string("\x00\x01\x02\xff", 4));
    CHECK(binary_bytes(m, s, att("BINARY.SIZE[2]"))->size() == 4);
    CHECK(*binary_bytes(m, s, att("BINARY[]")) == m);
    CHECK(*binary_bytes(m, s, att("BINARY[9]")) == "");
    CHECK_FALSE(binary_bytes(m, s, att("BINARY[3]")));  // x-uuencode: [UNKNOWN-CTE]
    CHECK(response_name(att("BINARY[1]<0.3>")) == "BINARY[1]<0>");
    CHECK(response_name(att("BINARY.SIZE[2]")) == "BINARY.SIZE[2]");
    CHECK(sets_seen(att("BINARY[1]")));
    CHECK_FALSE(sets_seen(att("BINARY.PEEK[1]")));
    CHECK_FALSE(sets_seen(att("BINARY.SIZE[1]")));
    for (const char* bad : {"BINARY[1.MIME]", "BINARY[HEADER]", "BINARY.SIZE[1]<0.1>", "BINARY", "BINARY.PEEK"}) {
        Parser p(bad);
        auto a = parse_fetch_atts(p);
        CHECK_FALSE((a && p.at_end()));
    }
}
