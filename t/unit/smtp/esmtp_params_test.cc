#include <catch2/catch.hpp>

#include "libmail/smtp/esmtp_params.h"

using tern::smtp::BodyType;

TEST_CASE("MAIL FROM parameters SIZE and BODY", "[smtp][esmtp]") {
    auto none = tern::smtp::parse_mail_params("");
    REQUIRE(none);
    CHECK_FALSE(none->size);
    CHECK(none->body == BodyType::Unspecified);

    auto both = tern::smtp::parse_mail_params("size=12345 BODY=8bitmime");
    REQUIRE(both);
    CHECK(*both->size == 12345);
    CHECK(both->body == BodyType::EightBitMime);

    auto seven = tern::smtp::parse_mail_params("BODY=7BIT");
    REQUIRE(seven);
    CHECK(seven->body == BodyType::SevenBit);
}

TEST_CASE("bad or unsupported MAIL FROM parameters are refused", "[smtp][esmtp]") {
    struct Case { const char* in; const char* reply; };
    auto c = GENERATE(values<Case>({
        {"SIZE=abc", "501 5.5.4 Bad SIZE parameter syntax"},
        {"SIZE=", "501 5.5.4 Bad SIZE parameter syntax"},
        {"SIZE=-1", "501 5.5.4 Bad SIZE parameter syntax"},
        {"SIZE=1 SIZE=2", "501 5.5.4 Bad SIZE parameter syntax"},
        {"SIZE=99999999999999999999999", "501 5.5.4 Bad SIZE parameter syntax"},
        {"BODY=BINARYMIME", "501 5.5.4 Bad BODY parameter syntax"},
        {"SMTPUTF8", "555 5.5.4 Unsupported option: SMTPUTF8"},
        {"RET=HDRS", "555 5.5.4 Unsupported option: RET"},
    }));
    INFO(c.in);
    auto r = tern::smtp::parse_mail_params(c.in);
    REQUIRE_FALSE(r);
    CHECK(r.error().line() == c.reply);
}

TEST_CASE("RCPT TO takes no parameters yet", "[smtp][esmtp]") {
    CHECK(tern::smtp::parse_rcpt_params(""));
    auto r = tern::smtp::parse_rcpt_params("NOTIFY=NEVER");
    REQUIRE_FALSE(r);
    CHECK(r.error().line() == "555 5.5.4 Unsupported option: NOTIFY");
}
