#include <catch2/catch.hpp>

#include "imapd/parser.h"

using namespace tern::imapd;

TEST_CASE("atoms, quoted strings and literals are read as IMAP arguments", "[imapd][parser]") {
    Parser p("a001 LOGIN alice \"pa ss\\\"w\\\\d\" {5}\r\nhello");
    CHECK(p.tag() == "a001");
    REQUIRE(p.space());
    CHECK(p.atom() == "LOGIN");
    REQUIRE(p.space());
    CHECK(p.astring() == "alice");
    REQUIRE(p.space());
    CHECK(p.astring() == "pa ss\"w\\d");
    REQUIRE(p.space());
    CHECK(p.astring() == "hello");
    CHECK(p.at_end());
}

TEST_CASE("a non-synchronising literal {n+} is read like a literal", "[imapd][parser]") {
    Parser p("{3+}\r\nabc");
    CHECK(p.astring() == "abc");
    CHECK(p.at_end());
}

TEST_CASE("malformed strings are refused, not guessed", "[imapd][parser]") {
    const char* bad = GENERATE("\"unterminated", "\"bad \\escape\"", "{10}\r\nshort", "{x}\r\nabc", "{3}abc", "");
    Parser p(bad);
    CHECK_FALSE(p.astring().has_value());
}

TEST_CASE("a tag may not contain + and a command needs one", "[imapd][parser]") {
    Parser plus("+tag NOOP");
    CHECK_FALSE(plus.tag().has_value());
    Parser star("* NOOP");
    CHECK_FALSE(star.tag().has_value());
}

TEST_CASE("astring allows ] but atom does not", "[imapd][parser]") {
    Parser p("ab]c");
    CHECK(p.astring() == "ab]c");
    Parser q("ab]c");
    CHECK(q.atom() == "ab");
}

TEST_CASE("flag lists with and without parentheses", "[imapd][parser]") {
    Parser p("(\\Seen \\Flagged $Junk)");
    auto f = p.flag_list(false);
    REQUIRE(f);
    CHECK(*f == std::vector<std::string>{"\\Seen", "\\Flagged", "$Junk"});
    Parser e("()");
    CHECK(e.flag_list(false)->empty());
    Parser bare("\\Deleted");
    CHECK(*bare.flag_list(true) == std::vector<std::string>{"\\Deleted"});
    Parser bare_refused("\\Deleted");
    CHECK_FALSE(bare_refused.flag_list(false).has_value());
    Parser open("(\\Seen");
    CHECK_FALSE(open.flag_list(false).has_value());
}

TEST_CASE("sequence sets with *, ranges and reversed ranges", "[imapd][parser]") {
    auto s = parse_sequence_set("1:*");
    REQUIRE(s);
    CHECK(seq_contains(*s, 1, 5));
    CHECK(seq_contains(*s, 5, 5));
    CHECK_FALSE(seq_contains(*s, 6, 5));

    auto rev = parse_sequence_set("3:1");
    REQUIRE(rev);
    CHECK(seq_contains(*rev, 1, 10));
    CHECK(seq_contains(*rev, 3, 10));
    CHECK_FALSE(seq_contains(*rev, 4, 10));

    auto star = parse_sequence_set("*");
    REQUIRE(star);
    CHECK(seq_contains(*star, 7, 7));
    CHECK_FALSE(seq_contains(*star, 6, 7));

    auto list = parse_sequence_set("2,4:5,9");
    REQUIRE(list);
    CHECK(seq_contains(*list, 2, 10));
    CHECK_FALSE(seq_contains(*list, 3, 10));
    CHECK(seq_contains(*list, 5, 10));
    CHECK(seq_contains(*list, 9, 10));

    // "n:*" when n is above the largest number still includes the largest.
    auto high = parse_sequence_set("100:*");
    CHECK(seq_contains(*high, 7, 7));
}

TEST_CASE("invalid sequence sets are refused", "[imapd][parser]") {
    const char* bad = GENERATE("", "0", "1:0", "1,", ",1", "1::2", "a", "1:2:3", "99999999999");
    CHECK_FALSE(parse_sequence_set(bad).has_value());
}

TEST_CASE("a literal marker at the end of a line is recognised", "[imapd][parser]") {
    auto m = trailing_literal("a LOGIN {5}");
    REQUIRE(m);
    CHECK(m->size == 5);
    CHECK_FALSE(m->non_sync);
    auto plus = trailing_literal("a LOGIN {12+}");
    REQUIRE(plus);
    CHECK(plus->size == 12);
    CHECK(plus->non_sync);
    CHECK_FALSE(trailing_literal("a LOGIN alice pw").has_value());
    CHECK_FALSE(trailing_literal("a LOGIN {}").has_value());
    CHECK_FALSE(trailing_literal("a LOGIN {1a}").has_value());
}

TEST_CASE("LIST mailbox patterns keep wildcards", "[imapd][parser]") {
    Parser p("INBOX/% \"\"");
    CHECK(p.list_mailbox() == "INBOX/%");
    REQUIRE(p.space());
    CHECK(p.list_mailbox() == "");
}
