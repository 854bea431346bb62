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
