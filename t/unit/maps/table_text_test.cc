#include <catch2/catch.hpp>

#include "libmail/maps/table_text.h"

using namespace tern::maps;

TEST_CASE("table text: key whitespace value, comments, continuation, lower-cased keys", "[maps]") {
    auto t = parse_table_text("# comment\n"
                              "Alice@Example.TEST   example.test/alice/\n"
                              "\n"
                              "bob@example.test\texample.test/bob/\n"
                              "multi  first\n"
                              "   second  \n"
                              "  # not a continuation: a comment\n",
                              "users");
    REQUIRE(t);
    REQUIRE(t->entries.size() == 3);
    CHECK(t->entries[0].key == "alice@example.test");
    CHECK(t->entries[0].value == "example.test/alice/");
    CHECK(t->entries[0].line == 2);
    CHECK(t->entries[1].key == "bob@example.test");
    CHECK(t->entries[1].line == 4);
    CHECK(t->entries[2].value == "first second");
    CHECK(t->warnings.empty());
}

TEST_CASE("table text: a key without a value is an error naming file and line", "[maps]") {
    auto t = parse_table_text("a 1\n\nlonely\n", "/etc/tern/virtual");
    REQUIRE_FALSE(t);
    CHECK(t.error().message == "/etc/tern/virtual:3: expected format: key whitespace value");
}

TEST_CASE("table text: continuation with nothing before it is an error", "[maps]") {
    auto t = parse_table_text("  indented value\n", "f");
    REQUIRE_FALSE(t);
    CHECK(t.error().message == "f:1: continuation line without a preceding line");
}

TEST_CASE("table text: duplicate keys keep the first and warn", "[maps]") {
    auto t = parse_table_text("k one\nK two\n", "f");
    REQUIRE(t);
    REQUIRE(t->entries.size() == 1);
    CHECK(t->entries[0].value == "one");
    REQUIRE(t->warnings.size() == 1);
    CHECK(t->warnings[0] == "f:2: duplicate entry: \"k\"");
}

TEST_CASE("table text: over-long keys are refused", "[maps]") {
    std::string text(kMaxKeyBytes + 1, 'k');
    text += " v\n";
    auto t = parse_table_text(text, "f");
    REQUIRE_FALSE(t);
    CHECK(t.error().message.rfind("f:1: ", 0) == 0);
}

TEST_CASE("table text: a missing file is an error naming it", "[maps]") {
    auto t = read_table_file("/nonexistent/tern-table");
    REQUIRE_FALSE(t);
    CHECK(t.error().message.find("/nonexistent/tern-table") != std::string::npos);
}

TEST_CASE("table text: duplicate policies of postmap -w and -r", "[maps]") {
    auto ignore = parse_table_text("k one\nK two\n", "f", Duplicates::Ignore);
    REQUIRE(ignore);
    REQUIRE(ignore->entries.size() == 1);
    CHECK(ignore->entries[0].value == "one");
    CHECK(ignore->warnings.empty());
    auto replace = parse_table_text("k one\nx y\nK two\n", "f", Duplicates::Replace);
    REQUIRE(replace);
    REQUIRE(replace->entries.size() == 2);
    CHECK(replace->entries[0].value == "two");
    CHECK(replace->warnings.empty());
}
