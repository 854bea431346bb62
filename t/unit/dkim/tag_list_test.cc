// The tag=value list of RFC 6376 3.2: what parses, and the errors a
// malformed DKIM-Signature or key record reports.
#include <catch2/catch.hpp>

#include "libmail/dkim/tag_list.h"

using namespace tern::dkim;

TEST_CASE("tag list: values are trimmed, inner folding kept, trailing ';' allowed", "[dkim][tag_list]") {
    auto t = parse_tag_list(" v = 1 ;a=rsa-sha256;\n\th=from :\n\tto ;");
    REQUIRE(t);
    REQUIRE(t->tags().size() == 3);
    CHECK(t->find("v")->value == "1");
    CHECK(t->find("a")->value == "rsa-sha256");
    CHECK(t->find("h")->value == "from :\n\tto");
    CHECK(t->find("x") == nullptr);
    CHECK(strip_space(t->find("h")->value) == "from:to");
}

TEST_CASE("tag list: raw offsets cover the value between '=' and ';'", "[dkim][tag_list]") {
    const std::string text = "a=1; b= abc\n def ; c=2";
    auto t = parse_tag_list(text);
    REQUIRE(t);
    const Tag* b = t->find("b");
    CHECK(text.substr(b->raw_begin, b->raw_end - b->raw_begin) == " abc\n def ");
    const Tag* c = t->find("c");
    CHECK(text.substr(c->raw_begin, c->raw_end - c->raw_begin) == "2");
}

TEST_CASE("tag list: empty values and an empty list are valid", "[dkim][tag_list]") {
    auto t = parse_tag_list("p=; k=rsa");
    REQUIRE(t);
    CHECK(t->find("p")->value.empty());
    auto e = parse_tag_list("");
    REQUIRE(e);
    CHECK(e->tags().empty());
}

TEST_CASE("tag list: malformed lists are refused with a reason", "[dkim][tag_list]") {
    struct Case {
        const char* text;
        const char* error;
    };
    auto c = GENERATE(values<Case>({
        {"a=1; a=2", "duplicate tag a"},
        {"a=1;; b=2", "empty tag"},
        {"1a=1", "bad tag name"},
        {"a-b=1", "bad tag name"},
        {"=1", "bad tag name"},
        {"a=1; b", "missing '=' after tag b"},
        {"a=x\x01y", "bad character in value of tag a"},
        {"a=x\ny", "bad line break in value of tag a"},
    }));
    auto t = parse_tag_list(c.text);
    REQUIRE_FALSE(t);
    CHECK(t.error().message == c.error);
}

TEST_CASE("tag list: a list over the size limit is refused", "[dkim][tag_list]") {
    const std::string big = "a=" + std::string(kMaxTagListOctets, 'x');
    auto t = parse_tag_list(big);
    REQUIRE_FALSE(t);
    CHECK(t.error().message == "tag list too long");
}
