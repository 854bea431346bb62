#include <catch2/catch.hpp>

#include "libmail/smtp/cidr.h"

TEST_CASE("mynetworks matching, IPv4 and IPv6", "[smtp][cidr]") {
    auto l = tern::smtp::CidrList::parse({"127.0.0.0/8", "[::1]/128", "192.0.2.17", "2001:db8::/32", "10.0.0.0/9"});
    REQUIRE(l);
    struct Case { const char* ip; bool in; };
    auto c = GENERATE(values<Case>({
        {"127.0.0.1", true}, {"127.255.1.2", true}, {"128.0.0.1", false},
        {"::1", true}, {"::2", false},
        {"192.0.2.17", true}, {"192.0.2.18", false},
        {"2001:db8:1::5", true}, {"2001:db9::1", false},
        {"10.127.255.255", true}, {"10.128.0.0", false},
        {"::ffff:127.0.0.1", true},
        {"not-an-ip", false}, {"", false},
    }));
    INFO(c.ip);
    CHECK(l->matches(c.ip) == c.in);
}

TEST_CASE("an empty list matches nothing; /0 matches everything of its family", "[smtp][cidr]") {
    auto empty = tern::smtp::CidrList::parse({});
    REQUIRE(empty);
    CHECK_FALSE(empty->matches("127.0.0.1"));
    auto all4 = tern::smtp::CidrList::parse({"0.0.0.0/0"});
    REQUIRE(all4);
    CHECK(all4->matches("203.0.113.9"));
    CHECK_FALSE(all4->matches("2001:db8::1"));
}

TEST_CASE("malformed mynetworks entries are configuration errors", "[smtp][cidr]") {
    CHECK_FALSE(tern::smtp::CidrList::parse({"127.0.0.0/33"}));
    CHECK_FALSE(tern::smtp::CidrList::parse({"::1/129"}));
    CHECK_FALSE(tern::smtp::CidrList::parse({"example.test"}));
    CHECK_FALSE(tern::smtp::CidrList::parse({"10.0.0.0/x"}));
}
