#include <catch2/catch.hpp>

#include "smtp/tls_policy.h"
#include "t/unit/temp_dir.h"

using namespace tern::smtp_client;
using tern::test::TempDir;

TEST_CASE("TLS policy values: levels, default match names, match=", "[smtp_client][tls_policy]") {
    auto p = parse_tls_policy("verify");
    REQUIRE(p);
    CHECK(p->level == TlsLevel::Verify);
    CHECK(p->match == std::vector<std::string>{"hostname"});
    p = parse_tls_policy("secure");
    REQUIRE(p);
    CHECK(p->match == std::vector<std::string>{"nexthop", "dot-nexthop"});
    p = parse_tls_policy("  Secure   match=MX.Example.com:nexthop ");
    REQUIRE(p);
    CHECK(p->level == TlsLevel::Secure);
    CHECK(p->match == std::vector<std::string>{"mx.example.com", "nexthop"});
    p = parse_tls_policy("encrypt");
    REQUIRE(p);
    CHECK(p->match.empty());
    CHECK(parse_tls_policy("none")->level == TlsLevel::None);
}

TEST_CASE("TLS policy errors name the problem", "[smtp_client][tls_policy]") {
    CHECK(parse_tls_policy("").error().message == "empty TLS policy");
    CHECK(parse_tls_policy("dane").error().message ==
          "unsupported TLS security level \"dane\" (none, may, encrypt, verify, secure)");
    CHECK(parse_tls_policy("verify protocols=TLSv1.3").error().message ==
          "unknown TLS policy attribute \"protocols=TLSv1.3\"");
    CHECK(parse_tls_policy("may match=hostname").error().message ==
          "match= applies only to the verify and secure levels");
    CHECK(parse_tls_policy("verify match=").error().message == "match= names nothing");
    CHECK(parse_tls_policy("verify match=bad/name").error().message == "bad certificate match name \"bad/name\"");
}

TEST_CASE("match names resolve against the next hop and the MX host", "[smtp_client][tls_policy]") {
    auto hop = parse_nexthop("example.com");
    REQUIRE(hop);
    TlsPolicy p{TlsLevel::Secure, {"hostname", "nexthop", "dot-nexthop", "mail.other.test"}};
    CHECK(match_names(p, *hop, "MX1.Example.COM") ==
          std::vector<std::string>{"mx1.example.com", "example.com", ".example.com", "mail.other.test"});
}

TEST_CASE("policy lookup: next hop as written, then the domain and its parents, else the default",
          "[smtp_client][tls_policy]") {
    TempDir dir;
    const std::string path = dir.write("tls_policy",
              "[relay.test]:587 secure match=relay.test\n"
              "example.com verify\n"
              ".example.org encrypt\n"
              "broken.test verify bogus=1\n");
    auto maps = tern::maps::MapList::open({"texthash:" + path});
    REQUIRE(maps);
    auto level_for = [&](const char* hop) {
        auto p = lookup_tls_policy(&*maps, *parse_nexthop(hop), TlsLevel::May);
        REQUIRE(p);
        return p->level;
    };
    CHECK(level_for("[relay.test]:587") == TlsLevel::Secure);
    CHECK(level_for("example.com") == TlsLevel::Verify);
    CHECK(level_for("mail.example.org") == TlsLevel::Encrypt);
    CHECK(level_for("example.net") == TlsLevel::May);
    CHECK(level_for("[example.com]") == TlsLevel::May);  // a literal next hop is not the domain
    auto broken = lookup_tls_policy(&*maps, *parse_nexthop("broken.test"), TlsLevel::May);
    REQUIRE_FALSE(broken);
    CHECK(broken.error().message ==
          "smtp_tls_policy_maps entry for broken.test: unknown TLS policy attribute \"bogus=1\"");
    auto none = lookup_tls_policy(nullptr, *parse_nexthop("example.com"), TlsLevel::Verify);
    REQUIRE(none);
    CHECK(none->match == std::vector<std::string>{"hostname"});
}
