#include <catch2/catch.hpp>

#include <set>

#include "smtp/destination.h"

using namespace tern::smtp_client;
using tern::dns::Mx;

TEST_CASE("next hops in Postfix syntax", "[smtp_client][nexthop]") {
    auto a = parse_nexthop("Example.TEST");
    REQUIRE(a);
    CHECK(a->host == "example.test");
    CHECK(a->mx_lookup);
    CHECK(a->port == 0);
    auto b = parse_nexthop("[smtp.relay.test]:587");
    REQUIRE(b);
    CHECK(b->host == "smtp.relay.test");
    CHECK_FALSE(b->mx_lookup);
    CHECK(b->port == 587);
    CHECK(b->text() == "[smtp.relay.test]:587");
    auto c = parse_nexthop("[2001:db8::1]:25");
    REQUIRE(c);
    CHECK(c->host == "2001:db8::1");
    CHECK_FALSE(parse_nexthop(""));
    CHECK_FALSE(parse_nexthop("[host"));
    CHECK_FALSE(parse_nexthop("[host]:99999"));
    CHECK_FALSE(parse_nexthop("host:port"));
    CHECK(domain_of("Alice@Remote.TEST") == "remote.test");
}

TEST_CASE("MX hosts are tried by preference, equal ones shuffled", "[smtp_client][mx]") {
    std::vector<Mx> mx{{20, "c.test"}, {10, "a.test"}, {10, "b.test"}, {30, "a.test"}};
    std::set<std::string> firsts;
    for (unsigned seed = 0; seed < 50; ++seed) {
        std::mt19937 rng(seed);
        auto order = order_mx(mx, rng);
        REQUIRE(order.size() == 3);  // the duplicate a.test is dropped
        CHECK(order[2] == "c.test");
        firsts.insert(order[0]);
    }
    CHECK(firsts == std::set<std::string>{"a.test", "b.test"});
    CHECK(is_null_mx({{0, ""}}));
    CHECK_FALSE(is_null_mx({{0, ""}, {10, "mx.test"}}));
}
