#include <catch2/catch.hpp>

#include "libmail/maps/map.h"
#include "t/unit/maps/temp_dir.h"

using namespace tern::maps;
using tern::maps::test::TempDir;
using tern::maps::test::get;

TEST_CASE("pcre: first matching pattern wins, $n substitution", "[maps]") {
    TempDir d;
    const auto p = d.write("re", "# rewrite\n"
                                 "/^(.*)@old\\.test$/   $1@new.test\n"
                                 "/^postmaster@/        admin@${1}x\n"  // invalid: no group 1
                                 "");
    auto bad = open_map("pcre:" + p);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == p + ":3: out-of-range substitution $1");

    const auto q = d.write("re2", "/^(.*)@old\\.test$/   $1@new.test\n"
                                  "/^([^@]+)\\+([^@]*)@(.*)$/ $1@$3 tag=$2 cost=$$5\n"
                                  "!/@/   no-domain\n"
                                  "/./    catch all\n");
    auto m = open_map("pcre:" + q);
    REQUIRE(m);
    CHECK(get(**m, "alice@old.test") == "alice@new.test");
    CHECK(get(**m, "bob+lists@x.test") == "bob@x.test tag=lists cost=$5");
    CHECK(get(**m, "localonly") == "no-domain");
    CHECK(get(**m, "z@y.test") == "catch all");
    CHECK(get(**m, "") == "no-domain");
    CHECK(get(**m, std::string_view{}) == "no-domain");
}

TEST_CASE("pcre: case-insensitive by default, the i flag makes it case-sensitive", "[maps]") {
    TempDir d;
    const auto p = d.write("re", "/^Spam$/i  exact\n/^spam$/   any-case\n");
    auto m = open_map("pcre:" + p);
    REQUIRE(m);
    CHECK(get(**m, "Spam") == "exact");
    CHECK(get(**m, "SPAM") == "any-case");
    CHECK(get(**m, "ham") == "<none>");
}

TEST_CASE("pcre: continuation lines and other delimiters", "[maps]") {
    TempDir d;
    const auto p = d.write("re", "#x\n|^a/b$|  value\n    continued\n");
    auto m = open_map("pcre:" + p);
    REQUIRE(m);
    CHECK(get(**m, "a/b") == "value continued");
}

TEST_CASE("pcre: malformed lines are errors naming FILE:LINE", "[maps]") {
    TempDir d;
    struct Case {
        std::string text;
        std::string error;
    };
    auto c = GENERATE(values<Case>({
        {"/a(/ x\n", ":1: error in regex at offset 2: missing closing parenthesis"},
        {"#\n/abc x\n", ":2: missing closing delimiter '/'"},
        {"/abc/\n", ":1: expected format: /pattern/flags result"},
        {"/abc/q x\n", ":1: unknown regexp option \"q\""},
        {"abc x\n", ":1: expected format: /pattern/flags result"},
        {"/(a)/ $x\n", ":1: invalid substitution in \"$x\""},
        {"!/(a)/ $1\n", ":1: $1 in the result of a negated pattern"},
        {"if /a/\n/b/ c\n", ":1: if without matching endif"},
        {"/b/ c\nendif\n", ":2: endif without matching if"},
        {"if /a/ x\n/b/ c\nendif\n", ":1: text after if /pattern/"},
        {"if /a(/\n/b/ c\nendif\n", ":1: error in regex at offset 2: missing closing parenthesis"},
    }));
    const auto p = d.write("re", c.text);
    auto m = open_map("pcre:" + p);
    REQUIRE_FALSE(m);
    CHECK(m.error().message == p + c.error);
}

TEST_CASE("pcre: catastrophic backtracking is bounded and counts as no match", "[maps]") {
    TempDir d;
    const auto p = d.write("re", "/^(a+)+$/ slow\n/^a/ fallback\n");
    auto m = open_map("pcre:" + p);
    REQUIRE(m);
    std::string key(40, 'a');
    key += 'b';
    CHECK(get(**m, key) == "fallback");
}

TEST_CASE("pcre: if/endif blocks apply their lines only when the condition holds", "[maps]") {
    TempDir d;
    const auto p = d.write("re", "if /@example\\.test$/\n"
                                 "/^postmaster@/   admin\n"
                                 "if !/^root@/\n"
                                 "/^(.*)@/         user=$1\n"
                                 "endif\n"
                                 "endif\n"
                                 "/^postmaster@/   elsewhere\n");
    auto m = open_map("pcre:" + p);
    REQUIRE(m);
    CHECK(get(**m, "postmaster@example.test") == "admin");
    CHECK(get(**m, "alice@example.test") == "user=alice");
    CHECK(get(**m, "root@example.test") == "<none>");
    CHECK(get(**m, "postmaster@other.test") == "elsewhere");
    CHECK(get(**m, "alice@other.test") == "<none>");
}
