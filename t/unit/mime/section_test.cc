// BODY[section] lookups (RFC 9051 6.4.5): part numbers, HEADER, TEXT, MIME,
// HEADER.FIELDS[.NOT], and partial fetches, as ranges of the message.
#include <catch2/catch.hpp>

#include "libmail/mime/section.h"

using namespace tern::mime;

namespace {

// The RFC 3501 6.4.5 example shape, cut down: a text part, a message/rfc822
// holding a multipart, and a multipart holding a message/rfc822.
const std::string kMessage =
    "Subject: sections\r\n"
    "X-Folded: one\r\n two\r\n"
    "Content-Type: multipart/mixed; boundary=top\r\n"
    "\r\n"
    "--top\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "part one\r\n"
    "--top\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner\r\n"
    "Content-Type: multipart/alternative; boundary=alt\r\n"
    "\r\n"
    "--alt\r\n"
    "\r\n"
    "inner plain\r\n"
    "--alt\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<b>inner</b>\r\n"
    "--alt--\r\n"
    "--top\r\n"
    "Content-Type: multipart/mixed; boundary=sub\r\n"
    "\r\n"
    "--sub\r\n"
    "Content-Type: image/gif\r\n"
    "\r\n"
    "GIF89a\r\n"
    "--sub\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: deep\r\n"
    "\r\n"
    "deep body\r\n"
    "--sub--\r\n"
    "--top--\r\n";

std::optional<std::string> fetch(const std::string& m, const Structure& s, std::vector<std::uint32_t> part,
                                 SectionText t = SectionText::Full, std::vector<std::string> fields = {}) {
    Section sec{std::move(part), t, std::move(fields)};
    auto b = find_section(m, s, sec);
    if (!b) return std::nullopt;
    for (const auto& r : b->ranges) REQUIRE(r.end() <= m.size());
    const std::string out = b->to_string(m);
    CHECK(out.size() == b->size());
    return out;
}

}  // namespace

TEST_CASE("section numbers of a nested message", "[mime][section]") {
    const std::string& m = kMessage;
    const Structure s = parse_structure(m);
    CHECK(fetch(m, s, {}) == m);
    CHECK(fetch(m, s, {}, SectionText::Header) == m.substr(0, m.find("--top")));
    CHECK(fetch(m, s, {}, SectionText::Text) == m.substr(m.find("--top")));
    CHECK(fetch(m, s, {1}) == "part one");
    CHECK(fetch(m, s, {1}, SectionText::Mime) == "Content-Type: text/plain\r\n\r\n");
    CHECK_FALSE(fetch(m, s, {1}, SectionText::Header));  // not a message/rfc822 part
    CHECK_FALSE(fetch(m, s, {1, 1}));

    // Part 2 is a message/rfc822: its body is the whole encapsulated message.
    const auto two = fetch(m, s, {2});
    REQUIRE(two);
    CHECK(two->starts_with("Subject: inner\r\n"));
    CHECK(two->ends_with("--alt--"));
    CHECK(fetch(m, s, {2}, SectionText::Header) ==
          "Subject: inner\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n");
    CHECK(fetch(m, s, {2}, SectionText::Text)->starts_with("--alt\r\n"));
    CHECK(fetch(m, s, {2}, SectionText::Mime) == "Content-Type: message/rfc822\r\n\r\n");
    CHECK(fetch(m, s, {2, 1}) == "inner plain");
    CHECK(fetch(m, s, {2, 2}) == "<b>inner</b>");
    CHECK(fetch(m, s, {2, 2}, SectionText::Mime) == "Content-Type: text/html\r\n\r\n");
    CHECK_FALSE(fetch(m, s, {2, 3}));

    CHECK(fetch(m, s, {3, 1}) == "GIF89a");
    CHECK(fetch(m, s, {3, 1}, SectionText::Mime) == "Content-Type: image/gif\r\n\r\n");
    CHECK(fetch(m, s, {3, 2}, SectionText::Header) == "Subject: deep\r\n\r\n");
    CHECK(fetch(m, s, {3, 2}, SectionText::Text) == "deep body");
    CHECK(fetch(m, s, {3, 2, 1}) == "deep body");  // part 1 of a non-multipart message is its body
    CHECK(fetch(m, s, {3, 2, 1}, SectionText::Mime) == "Subject: deep\r\n\r\n");
    CHECK_FALSE(fetch(m, s, {3, 2, 2}));
    CHECK_FALSE(fetch(m, s, {4}));
    CHECK_FALSE(fetch(m, s, {0}));
    CHECK_FALSE(fetch(m, s, {}, SectionText::Mime));
}

TEST_CASE("part 1 of a single-part message is its body", "[mime][section]") {
    const std::string m = "Subject: hi\nContent-Type: text/plain\n\nhello\n";
    const Structure s = parse_structure(m);
    CHECK(fetch(m, s, {1}) == "hello\n");
    CHECK(fetch(m, s, {1}, SectionText::Mime) == "Subject: hi\nContent-Type: text/plain\n\n");
    CHECK_FALSE(fetch(m, s, {2}));
    CHECK_FALSE(fetch(m, s, {1, 1}));

    const auto part = find_part(s, std::vector<std::uint32_t>{1});
    REQUIRE(part);
    CHECK(part->entity == &s.root);
    CHECK(part->message == nullptr);
}

TEST_CASE("HEADER.FIELDS and HEADER.FIELDS.NOT keep fields as written", "[mime][section]") {
    const std::string& m = kMessage;
    const Structure s = parse_structure(m);
    CHECK(fetch(m, s, {}, SectionText::HeaderFields, {"x-folded", "SUBJECT", "Cc"}) ==
          "Subject: sections\r\nX-Folded: one\r\n two\r\n\r\n");
    CHECK(fetch(m, s, {}, SectionText::HeaderFieldsNot, {"subject", "x-folded"}) ==
          "Content-Type: multipart/mixed; boundary=top\r\n\r\n");
    CHECK(fetch(m, s, {}, SectionText::HeaderFields, {"No-Such"}) == "\r\n");
    CHECK(fetch(m, s, {3, 2}, SectionText::HeaderFields, {"subject"}) == "Subject: deep\r\n\r\n");
    CHECK_FALSE(fetch(m, s, {1}, SectionText::HeaderFields, {"subject"}));

    // LF-only messages get an LF trailer; a field cut by a delimiter gets its line end.
    const std::string lf = "Subject: lf\nTo: x@y.test\n\nbody\n";
    CHECK(fetch(lf, parse_structure(lf), {}, SectionText::HeaderFields, {"to"}) == "To: x@y.test\n\n");
    const std::string cut = "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\n"
                            "Subject: cut\n--b--\n";
    CHECK(fetch(cut, parse_structure(cut), {1}, SectionText::HeaderFields, {"subject"}) == "Subject: cut\n\n");
}

TEST_CASE("partial fetches slice across ranges and the trailer", "[mime][section]") {
    const std::string& m = kMessage;
    const Structure s = parse_structure(m);
    const auto fields =
        find_section(m, s, Section{{}, SectionText::HeaderFields, {"subject", "x-folded"}}).value();
    const std::string all = fields.to_string(m);
    for (std::uint64_t origin = 0; origin <= all.size() + 2; ++origin) {
        for (std::uint64_t count : {0u, 1u, 5u, 19u, 100u}) {
            const SectionBytes p = partial(fields, origin, count);
            const std::string expect = origin >= all.size() ? "" : all.substr(origin, count);
            CHECK(p.to_string(m) == expect);
            CHECK(p.size() == expect.size());
        }
    }
    const auto body = find_section(m, s, Section{{1}, SectionText::Full, {}}).value();
    CHECK(partial(body, 5, 1000).to_string(m) == "one");
    CHECK(partial(body, 8, 10).size() == 0);
}
