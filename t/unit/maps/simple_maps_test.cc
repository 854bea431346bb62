#include <catch2/catch.hpp>

#include "libmail/maps/map.h"
#include "t/unit/maps/temp_dir.h"

using namespace tern::maps;
using tern::maps::test::TempDir;
using tern::maps::test::get;

TEST_CASE("static: every key maps to the value, braces allow spaces", "[maps]") {
    auto m = open_map("static:1000");
    REQUIRE(m);
    CHECK(get(**m, "anything") == "1000");
    CHECK((*m)->spec() == "static:1000");
    auto b = open_map("static:{ value with spaces }");
    REQUIRE(b);
    CHECK(get(**b, "x") == "value with spaces");
    CHECK_FALSE(open_map("static:"));
    CHECK_FALSE(open_map("static:{ unclosed"));
}

TEST_CASE("inline: key=value items, braces for spaces, case-insensitive keys", "[maps]") {
    auto m = open_map("inline:{ a@x.test=one, B@X.test=two ,{ c = value with spaces } }");
    REQUIRE(m);
    CHECK(get(**m, "a@x.test") == "one");
    CHECK(get(**m, "b@x.test") == "two");
    CHECK(get(**m, "A@X.TEST") == "one");
    CHECK(get(**m, "c") == "value with spaces");
    CHECK(get(**m, "d") == "<none>");
}

TEST_CASE("inline: malformed tables are errors naming the table", "[maps]") {
    auto no_eq = open_map("inline:{ a=1, b }");
    REQUIRE_FALSE(no_eq);
    CHECK(no_eq.error().message == "table inline:{ a=1, b }: expected key=value, found \"b\"");
    CHECK_FALSE(open_map("inline:a=1"));
    CHECK_FALSE(open_map("inline:{ { a=1 }"));
    CHECK_FALSE(open_map("inline:{ }"));
}

TEST_CASE("open_map: unknown type and missing colon are errors", "[maps]") {
    auto u = open_map("ldap:/etc/x");
    REQUIRE_FALSE(u);
    CHECK(u.error().message == "table ldap:/etc/x: unsupported dictionary type: ldap");
    CHECK_FALSE(open_map("/etc/x"));
    CHECK_FALSE(open_map("hash:"));
}

TEST_CASE("texthash: reads the text file, case-insensitive keys", "[maps]") {
    TempDir d;
    const auto p = d.write("virtual", "Alice@Example.test example.test/alice/\n# c\nbob@example.test b/\n");
    auto m = open_map("texthash:" + p);
    REQUIRE(m);
    CHECK(get(**m, "alice@example.test") == "example.test/alice/");
    CHECK(get(**m, "ALICE@EXAMPLE.TEST") == "example.test/alice/");
    CHECK(get(**m, "bob@example.test") == "b/");
    CHECK(get(**m, "carol@example.test") == "<none>");
}

TEST_CASE("texthash: a malformed file is an error with FILE:LINE", "[maps]") {
    TempDir d;
    const auto p = d.write("bad", "a 1\nb\n");
    auto m = open_map("texthash:" + p);
    REQUIRE_FALSE(m);
    CHECK(m.error().message == p + ":2: expected format: key whitespace value");
    auto missing = open_map("texthash:" + d.path() + "/none");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find(d.path() + "/none") != std::string::npos);
}

TEST_CASE("MapList: tables are searched in order, first hit wins", "[maps]") {
    auto l = MapList::open({"inline:{ a=first }", "inline:{ a=second, b=second }", "static:fallback"});
    REQUIRE(l);
    CHECK_FALSE(l->empty());
    auto a = l->lookup("a");
    REQUIRE(a);
    CHECK(a->value() == "first");
    auto b = l->lookup("b");
    REQUIRE(b);
    CHECK(b->value() == "second");
    auto c = l->lookup("c");
    REQUIRE(c);
    CHECK(c->value() == "fallback");

    auto no_static = MapList::open({"inline:{ a=1 }"});
    REQUIRE(no_static);
    auto miss = no_static->lookup("zz");
    REQUIRE(miss);
    CHECK_FALSE(miss->has_value());

    auto empty = MapList::open({});
    REQUIRE(empty);
    CHECK(empty->empty());
    auto bad = MapList::open({"inline:{ a=1 }", "nosuch:x"});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("nosuch") != std::string::npos);
}
