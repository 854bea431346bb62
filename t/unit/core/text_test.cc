#include <catch2/catch.hpp>

#include "libmail/core/text.h"

using namespace tern;

TEST_CASE("trim removes surrounding white space only", "[core][text]") {
    CHECK(trim("  a b \r\n") == "a b");
    CHECK(trim(" \t ").empty());
}

TEST_CASE("split_any drops empty pieces, as Postfix lists do", "[core][text]") {
    auto v = split_any("a, b,,c\td ", ", \t");
    REQUIRE(v.size() == 4);
    CHECK(v[0] == "a");
    CHECK(v[3] == "d");
}

TEST_CASE("parse_number rejects junk and overflow", "[core][text]") {
    CHECK(parse_number<int>("42") == 42);
    CHECK_FALSE(parse_number<int>("42x"));
    CHECK_FALSE(parse_number<int>(""));
    CHECK_FALSE(parse_number<std::uint8_t>("256"));
}

TEST_CASE("iequals ignores ASCII case", "[core][text]") {
    CHECK(iequals("MAIL", "mail"));
    CHECK_FALSE(iequals("MAIL", "mai"));
    CHECK(istarts_with("FROM:<a>", "from:"));
}

TEST_CASE("is_valid_utf8 follows RFC 3629", "[core][text]") {
    using tern::is_valid_utf8;
    CHECK(is_valid_utf8("plain ascii"));
    CHECK(is_valid_utf8("j\xc3\xb6rg \xe2\x82\xac \xf0\x9f\x93\xa7"));  // 2, 3 and 4 byte forms
    CHECK_FALSE(is_valid_utf8("\xc3"));                 // truncated
    CHECK_FALSE(is_valid_utf8("\xc0\xaf"));             // overlong '/'
    CHECK_FALSE(is_valid_utf8("\xe0\x80\xaf"));         // overlong, 3 bytes
    CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));         // UTF-16 surrogate
    CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));     // above U+10FFFF
    CHECK_FALSE(is_valid_utf8("\xff"));
    CHECK_FALSE(is_valid_utf8("a\x80z"));               // lone continuation byte
}
