// Content-Type, Content-Disposition and friends: RFC 2045 syntax, RFC 2231
// parameters, and the leniency real mail needs.
#include <catch2/catch.hpp>

#include "libmail/mime/content_fields.h"

using namespace tern::mime;

TEST_CASE("Content-Type: case rules, quoted strings and comments", "[mime][content]") {
    auto ct = parse_content_type("Text/HTML (a comment); Charset=\"UTF-8\" (another); Format=Flowed");
    REQUIRE(ct);
    CHECK(ct->type == "text");
    CHECK(ct->subtype == "html");
    REQUIRE(ct->parameters.size() == 2);
    CHECK(ct->parameters[0] == Parameter{"charset", "UTF-8", "", "", false});
    CHECK(ct->parameters[1].name == "format");
    CHECK(ct->parameters[1].value == "Flowed");
    CHECK(find_parameter(ct->parameters, "CHARSET")->value == "UTF-8");

    ct = parse_content_type("multipart/mixed;\r\n\tboundary=\"----=_Part_1 \\\"x\\\"\"");
    REQUIRE(ct);
    CHECK(find_parameter(ct->parameters, "boundary")->value == "----=_Part_1 \"x\"");
}

TEST_CASE("Content-Type: invalid values give nullopt, sloppy parameters are read", "[mime][content]") {
    CHECK_FALSE(parse_content_type("text"));
    CHECK_FALSE(parse_content_type("/plain"));
    CHECK_FALSE(parse_content_type(""));
    CHECK_FALSE(parse_content_type("text/"));

    auto ct = parse_content_type("application/pdf; name=my report.pdf; boundary=----=_NextPart_000; x=\"unterminated");
    REQUIRE(ct);
    CHECK(find_parameter(ct->parameters, "name")->value == "my report.pdf");
    CHECK(find_parameter(ct->parameters, "boundary")->value == "----=_NextPart_000");
    CHECK(find_parameter(ct->parameters, "x")->value == "unterminated");

    ct = parse_content_type("text/plain; charset=us-ascii (Plain text);; junk ; =v; n; charset=latin1");
    REQUIRE(ct);
    REQUIRE(ct->parameters.size() == 1);  // the first charset wins; nameless and valueless ones dropped
    CHECK(ct->parameters[0].value == "us-ascii");
}

TEST_CASE("RFC 2231: continuations, charset, language, percent-encoding", "[mime][content][rfc2231]") {
    // Segments out of order, extended and plain mixed (RFC 2231 4.1), and a
    // plain fallback name that the extended value replaces.
    const auto d = parse_content_disposition(
        "attachment; filename=\"fallback.pdf\";\r\n filename*1=\" report\";\r\n"
        " filename*0*=UTF-8'en'%E2%82%AC%20Q3;\r\n filename*2*=%2Epdf; size=1234");
    REQUIRE(d);
    CHECK(d->type == "attachment");
    REQUIRE(d->parameters.size() == 2);
    const Parameter& f = d->parameters[0];
    CHECK(f.name == "filename");
    CHECK(f.value == "\xE2\x82\xAC Q3 report.pdf");
    CHECK(f.charset == "utf-8");
    CHECK(f.language == "en");
    CHECK(f.extended);
    CHECK(d->parameters[1] == Parameter{"size", "1234", "", "", false});
}

TEST_CASE("RFC 2231: single extended values are converted to UTF-8", "[mime][content][rfc2231]") {
    auto ps = parse_parameters("; title*=iso-8859-1'fr'caf%E9; Name*=us-ascii''plain%20text; n*=''%41%zz");
    REQUIRE(ps.size() == 3);
    CHECK(ps[0] == Parameter{"title", "caf\xc3\xa9", "iso-8859-1", "fr", true});
    CHECK(ps[1].name == "name");
    CHECK(ps[1].value == "plain text");
    CHECK(ps[2].value == "A%zz");  // a malformed escape stays as written

    // An unknown charset keeps the decoded bytes; a gap ends the continuation.
    ps = parse_parameters("; a*=x-unknown''%FF; b*0=one; b*2=three; c*01=leading-zero");
    REQUIRE(ps.size() == 3);
    CHECK(ps[0].value == "\xFF");
    CHECK(ps[1].value == "one");
    CHECK(ps[2].name == "c*01");
}

TEST_CASE("parameter count is bounded", "[mime][content]") {
    std::string s;
    for (int i = 0; i < 500; ++i) s += "; p" + std::to_string(i) + "=v";
    CHECK(parse_parameters(s).size() == kMaxParameters);
}

TEST_CASE("Content-Language lists and transfer-encoding tokens", "[mime][content]") {
    CHECK(parse_language_list("en-US, fr (French),\r\n de") == std::vector<std::string>{"en-US", "fr", "de"});
    CHECK(parse_language_list("").empty());
    CHECK(parse_token_value(" Base64 (encoded)") == "base64");
    CHECK(parse_token_value("(c) Quoted-Printable") == "quoted-printable");
    const auto d = parse_content_disposition("INLINE");
    REQUIRE(d);
    CHECK(d->type == "inline");
    CHECK(d->parameters.empty());
    CHECK_FALSE(parse_content_disposition("; filename=x"));
}
