// The MIME structure of real-world-shaped messages: exact ranges, sizes,
// line counts and Content-* values, with CRLF and with LF line ends.
#include <catch2/catch.hpp>

#include "libmail/mime/structure.h"

using namespace tern::mime;

namespace {

// The test messages are written with "\n"; this gives them the line end under test.
std::string with_eol(std::string_view s, std::string_view eol) {
    std::string out;
    for (char c : s) {
        if (c == '\n') {
            out += eol;
        } else {
            out += c;
        }
    }
    return out;
}

const std::string kNested =
    "From: Alice <alice@example.test>\n"
    "To: bob@example.test\n"
    "Subject: =?UTF-8?Q?Caf=C3=A9_report?=\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\n"
    "\n"
    "This is a multi-part message in MIME format.\n"
    "--outer\n"
    "Content-Type: multipart/alternative; boundary=inner\n"
    "\n"
    "--inner\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: Quoted-Printable\n"
    "\n"
    "Caf=C3=A9 au lait\n"
    "Second line\n"
    "--inner\n"
    "Content-Type: text/html; charset=utf-8\n"
    "\n"
    "<p>Caf\xc3\xa9</p>\n"
    "--inner--\n"
    "--outer\n"
    "Content-Type: application/pdf; name=\"report.pdf\"\n"
    "Content-Disposition: attachment;\n"
    " filename*0*=UTF-8''%E2%82%AC%20rep;\n"
    " filename*1=ort.pdf\n"
    "Content-Transfer-Encoding: base64\n"
    "Content-ID: <pdf1@example.test>\n"
    "Content-Description: The =?UTF-8?Q?r=C3=A9port?=\n"
    "Content-Language: en, fr (French)\n"
    "Content-Location: http://example.test/\n"
    " report.pdf\n"
    "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
    "\n"
    "JVBERi0xLjQK\n"
    "--outer\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: Carol <carol@example.test>\n"
    "Subject: inner\n"
    "\n"
    "Inner body\n"
    "--outer--\n"
    "Epilogue.\n";

std::string_view text(const std::string& m, Range r) { return r.in(m); }

}  // namespace

TEST_CASE("nested multipart/mixed with alternative, attachment and message/rfc822", "[mime][structure]") {
    const std::string eol = GENERATE(std::string("\r\n"), std::string("\n"));
    const std::string m = with_eol(kNested, eol);
    const Structure s = parse_structure(m);
    CHECK(s.entity_count == 7);
    CHECK_FALSE(s.over_limit);

    const Entity& root = s.root;
    CHECK(root.kind == EntityKind::Multipart);
    CHECK(root.content_type.type == "multipart");
    CHECK(root.content_type.subtype == "mixed");
    CHECK(root.header == Range{0, m.find("This is")});
    CHECK(root.body == Range{m.find("This is"), m.size() - m.find("This is")});  // the epilogue is in it
    REQUIRE(root.children.size() == 3);
    // Lines of a multipart body are counted from its parts: the same as counting them.
    CHECK(root.body_lines == 38);
    CHECK(root.body_lines == count_lines(m, root.body));

    const Entity& alt = root.children[0];
    CHECK(alt.kind == EntityKind::Multipart);
    CHECK(alt.content_type.subtype == "alternative");
    CHECK(alt.header.offset == m.find("Content-Type: multipart/alternative"));
    // Its body starts with its first delimiter and ends before the line end
    // that precedes "--outer".
    CHECK(alt.body.offset == m.find("--inner"));
    CHECK(alt.body.end() == m.find("--inner--") + 9);
    REQUIRE(alt.children.size() == 2);

    const Entity& plain = alt.children[0];
    CHECK(plain.kind == EntityKind::Leaf);
    CHECK(plain.content_type.subtype == "plain");
    CHECK(plain.transfer_encoding == "quoted-printable");
    CHECK(text(m, plain.body) == "Caf=C3=A9 au lait" + eol + "Second line");
    CHECK(plain.body.offset == m.find("Caf=C3=A9 au"));
    CHECK(plain.body.length == 17 + eol.size() + 11);
    CHECK(plain.body_lines == 2);

    const Entity& html = alt.children[1];
    CHECK(html.content_type.subtype == "html");
    CHECK(text(m, html.body) == "<p>Caf\xc3\xa9</p>");
    CHECK(html.body_lines == 1);
    CHECK(find_parameter(html.content_type.parameters, "charset")->value == "utf-8");

    const Entity& pdf = root.children[1];
    CHECK(pdf.content_type.type == "application");
    CHECK(pdf.content_type.subtype == "pdf");
    CHECK(find_parameter(pdf.content_type.parameters, "name")->value == "report.pdf");
    REQUIRE(pdf.disposition);
    CHECK(pdf.disposition->type == "attachment");
    const Parameter* filename = find_parameter(pdf.disposition->parameters, "filename");
    REQUIRE(filename);
    CHECK(filename->value == "\xe2\x82\xac report.pdf");
    CHECK(filename->charset == "utf-8");
    CHECK(pdf.transfer_encoding == "base64");
    CHECK(pdf.id == "<pdf1@example.test>");
    CHECK(pdf.description == "The =?UTF-8?Q?r=C3=A9port?=");
    CHECK(pdf.language == std::vector<std::string>{"en", "fr"});
    CHECK(pdf.location == "http://example.test/report.pdf");
    CHECK(pdf.md5 == "Q2hlY2sgSW50ZWdyaXR5IQ==");
    CHECK(text(m, pdf.body) == "JVBERi0xLjQK");
    CHECK(pdf.body_lines == 1);

    const Entity& msg = root.children[2];
    CHECK(msg.kind == EntityKind::Message);
    CHECK(msg.content_type.subtype == "rfc822");
    CHECK(text(m, msg.body) == with_eol("From: Carol <carol@example.test>\nSubject: inner\n\nInner body", eol));
    CHECK(msg.body_lines == 4);
    REQUIRE(msg.children.size() == 1);
    const Entity& inner = msg.children[0];
    CHECK(inner.kind == EntityKind::Leaf);
    CHECK(inner.header.offset == msg.body.offset);
    CHECK(inner.body.end() == msg.body.end());
    CHECK(text(m, inner.body) == "Inner body");
    CHECK(inner.content_type.type == "text");
    CHECK(inner.content_type.parameters == Parameters{{"charset", "us-ascii", "", "", false}});
    CHECK_FALSE(inner.id);
    CHECK_FALSE(inner.disposition);
    CHECK(inner.transfer_encoding == "7bit");
}

TEST_CASE("a missing close delimiter: the last part runs to the end", "[mime][structure]") {
    const std::string m =
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\n\r\none\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\ntwo\r\nlast line";
    const Structure s = parse_structure(m);
    REQUIRE(s.root.kind == EntityKind::Multipart);
    REQUIRE(s.root.children.size() == 2);
    CHECK(s.root.children[0].header == Range{m.find("--b") + 5, 2});  // just the empty line
    CHECK(text(m, s.root.children[0].body) == "one");
    CHECK(text(m, s.root.children[1].body) == "two\r\nlast line");
    CHECK(s.root.children[1].body.end() == m.size());
    CHECK(s.root.children[1].body_lines == 2);
    CHECK(s.root.body.end() == m.size());
}

TEST_CASE("an inner multipart without its close delimiter ends at the outer one", "[mime][structure]") {
    const std::string m =
        "Content-Type: multipart/mixed; boundary=\"out\"\n\n"
        "--out\nContent-Type: multipart/related; boundary=\"in\"\n\n"
        "--in\n\nfirst\n"
        "--out\n\nsecond\n"
        "--out--\n";
    const Structure s = parse_structure(m);
    REQUIRE(s.root.children.size() == 2);
    const Entity& related = s.root.children[0];
    REQUIRE(related.kind == EntityKind::Multipart);
    REQUIRE(related.children.size() == 1);
    CHECK(text(m, related.children[0].body) == "first");
    CHECK(text(m, related.body) == "--in\n\nfirst");
    CHECK(text(m, s.root.children[1].body) == "second");
}

TEST_CASE("transport padding and junk after delimiters, preamble and epilogue", "[mime][structure]") {
    const std::string m =
        "Content-Type: multipart/mixed; boundary=\"=_x\"\r\n\r\n"
        "preamble\r\n"
        "--=_x  \t\r\n\r\na\r\n"
        "--=_x junk\r\n\r\nb\r\n"
        "--=_x--   \r\nepilogue\r\n--=_x\r\nnot a part\r\n";
    const Structure s = parse_structure(m);
    REQUIRE(s.root.children.size() == 2);
    CHECK(text(m, s.root.children[0].body) == "a");
    CHECK(text(m, s.root.children[1].body) == "b");
    CHECK(s.root.body == Range{m.find("preamble"), m.size() - m.find("preamble")});
}

TEST_CASE("multipart without boundary, or without parts, is text/plain", "[mime][structure]") {
    for (const std::string& m : {std::string("Content-Type: multipart/mixed\n\n--x\n\nbody\n"),
                                std::string("Content-Type: multipart/mixed; boundary=\"\"\n\nbody\n"),
                                std::string("Content-Type: multipart/mixed; boundary=zz\n\n--x\n\nbody\n"),
                                std::string("Content-Type: multipart/mixed; boundary=zz\n\n--zz--\n")}) {
        const Structure s = parse_structure(m);
        CHECK(s.root.kind == EntityKind::Leaf);
        CHECK(s.root.content_type.type == "text");
        CHECK(s.root.content_type.subtype == "plain");
        CHECK(s.root.content_type.parameters == Parameters{{"charset", "us-ascii", "", "", false}});
        CHECK(s.root.body.end() == m.size());
    }
}

TEST_CASE("a message with no header/body separator is all header", "[mime][structure]") {
    const std::string m = "Subject: only a header\r\nFrom: a@b.test\r\n";
    const Structure s = parse_structure(m);
    CHECK(s.root.header == Range{0, m.size()});
    CHECK(s.root.body == Range{m.size(), 0});
    CHECK(s.root.body_lines == 0);
    const std::string empty;
    const Structure e = parse_structure(empty);
    CHECK(e.root.header == Range{0, 0});
    CHECK(e.root.body == Range{0, 0});
}

TEST_CASE("a part whose header runs into the next delimiter has an empty body", "[mime][structure]") {
    const std::string m =
        "Content-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: text/plain\n--b\nContent-Type: message/rfc822\n--b--\n";
    const Structure s = parse_structure(m);
    REQUIRE(s.root.children.size() == 2);
    const Entity& first = s.root.children[0];
    CHECK(text(m, first.header) == "Content-Type: text/plain");
    CHECK(first.body == Range{first.header.end(), 0});
    const Entity& second = s.root.children[1];
    CHECK(second.kind == EntityKind::Message);
    REQUIRE(second.children.size() == 1);
    CHECK(second.children[0].body == Range{second.body.offset, 0});
}

TEST_CASE("multipart/digest parts default to message/rfc822", "[mime][structure]") {
    const std::string m =
        "Content-Type: multipart/digest; boundary=d\n\n"
        "--d\n\nSubject: one\n\nfirst\n"
        "--d\nContent-Type: text/plain\n\nnote\n--d--\n";
    const Structure s = parse_structure(m);
    REQUIRE(s.root.children.size() == 2);
    CHECK(s.root.children[0].kind == EntityKind::Message);
    CHECK(s.root.children[0].content_type.subtype == "rfc822");
    CHECK(text(m, s.root.children[0].children[0].body) == "first");
    CHECK(s.root.children[1].kind == EntityKind::Leaf);
}

TEST_CASE("nested boundaries that share a prefix or repeat", "[mime][structure]") {
    const std::string m =
        "Content-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: multipart/mixed; boundary=b1\n\n"
        "--b1\n\nx\n--b1--\n"
        "--b\nContent-Type: multipart/mixed; boundary=b\n\n"
        "--b\n\ny\n--b--\n"
        "--b--\n";
    const Structure s = parse_structure(m);
    REQUIRE(s.root.children.size() == 2);
    REQUIRE(s.root.children[0].children.size() == 1);
    CHECK(text(m, s.root.children[0].children[0].body) == "x");
    // The same boundary inside: the innermost multipart takes its delimiters.
    REQUIRE(s.root.children[1].children.size() == 1);
    CHECK(text(m, s.root.children[1].children[0].body) == "y");
}

TEST_CASE("an encoded message/rfc822 is served as data", "[mime][structure]") {
    const std::string m = "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogeA==\n";
    const Structure s = parse_structure(m);
    CHECK(s.root.kind == EntityKind::Leaf);
    CHECK(s.root.content_type.type == "application");
    CHECK_FALSE(s.root.over_limit);
}

TEST_CASE("nesting beyond the depth limit becomes an opaque body", "[mime][structure][limits]") {
    std::string m;
    const int levels = 200;
    for (int i = 0; i < levels; ++i)
        m += "Content-Type: multipart/mixed; boundary=\"l" + std::to_string(i) + "x\"\n\n--l" + std::to_string(i) +
             "x\n";
    m += "\nleaf\n";
    const Structure s = parse_structure(m);
    CHECK(s.over_limit);
    CHECK(s.entity_count == 51);
    const Entity* e = &s.root;
    std::size_t depth = 0;
    while (e->kind == EntityKind::Multipart) {
        REQUIRE(e->children.size() == 1);
        e = &e->children[0];
        ++depth;
    }
    CHECK(depth == 50);
    CHECK(e->over_limit);
    CHECK(e->content_type.type == "application");
    CHECK(e->content_type.subtype == "octet-stream");
    CHECK(e->body.end() == m.size());

    // message/rfc822 nesting too.
    std::string r;
    for (int i = 0; i < 100; ++i) r += "Content-Type: message/rfc822\n\n";
    r += "Subject: x\n\nbody\n";
    StructureLimits l;
    l.max_depth = 10;
    const Structure t = parse_structure(r, l);
    CHECK(t.over_limit);
    CHECK(t.entity_count == 11);
}

TEST_CASE("the entity limit stops parsing parts, keeping the ranges", "[mime][structure][limits]") {
    std::string m = "Content-Type: multipart/mixed; boundary=p\n\n";
    for (int i = 0; i < 100; ++i) m += "--p\n\npart " + std::to_string(i) + "\n";
    m += "--p--\nepilogue\n";
    StructureLimits l;
    l.max_entities = 10;
    const Structure s = parse_structure(m, l);
    CHECK(s.entity_count == 10);
    CHECK(s.root.over_limit);
    CHECK(s.root.children.size() == 9);
    CHECK(text(m, s.root.children[8].body) == "part 8");
    CHECK(s.root.body.end() == m.size());
}

TEST_CASE("8-bit header values and an invalid Content-Type", "[mime][structure]") {
    const std::string m =
        "Subject: caf\xe9 \xc3\xa9t\xc3\xa9\nContent-Type: text\nContent-Description: r\xc3\xa9sum\xc3\xa9\n\nbody";
    const Structure s = parse_structure(m);
    CHECK(s.root.content_type.subtype == "plain");
    CHECK(s.root.content_type.parameters == Parameters{{"charset", "us-ascii", "", "", false}});
    CHECK(s.root.description == "r\xc3\xa9sum\xc3\xa9");
    CHECK(text(m, s.root.body) == "body");
    CHECK(count_lines(m, s.root.body) == 1);
}
