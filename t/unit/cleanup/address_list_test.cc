// Addresses out of To:/Cc:/Bcc: values, for sendmail -t.
#include <catch2/catch.hpp>

#include "libmail/cleanup/address_list.h"

using namespace tern::cleanup;
using V = std::vector<std::string>;

TEST_CASE("address lists as mail clients write them", "[cleanup]") {
    CHECK(parse_address_list("alice@example.test") == V{"alice@example.test"});
    CHECK(parse_address_list(" Alice <alice@example.test>, bob@example.test ") ==
          V{"alice@example.test", "bob@example.test"});
    CHECK(parse_address_list("\"Smith, Bob\" <bob@x.test>, carol@y.test (Carol)") == V{"bob@x.test", "carol@y.test"});
    CHECK(parse_address_list("friends: a@x.test, b@x.test;, c@x.test") == V{"a@x.test", "b@x.test", "c@x.test"});
    CHECK(parse_address_list("undisclosed-recipients:;").empty());
    CHECK(parse_address_list("<@route.test:dave@x.test>") == V{"dave@x.test"});
    CHECK(parse_address_list("\"odd local\"@x.test") == V{"\"odd local\"@x.test"});
    CHECK(parse_address_list("a (comment (nested)) @ x.test") == V{"a@x.test"});
    CHECK(parse_address_list("").empty());
}

TEST_CASE("address lists are bounded", "[cleanup]") {
    std::string many;
    for (int i = 0; i < 100; ++i) many += "u" + std::to_string(i) + "@x.test, ";
    CHECK(parse_address_list(many, 10).size() == 10);
    CHECK(parse_address_list(many).size() == 100);
}
