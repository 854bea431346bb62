#include <catch2/catch.hpp>

#include "qmgr/routing.h"
#include "t/unit/temp_dir.h"

using tern::qmgr::Route;
using tern::qmgr::Router;

namespace {

std::unique_ptr<tern::maps::MapList> table(const std::string& spec) {
    auto m = tern::maps::MapList::open({spec});
    if (!m) FAIL(m.error().message);
    REQUIRE(m);
    return std::make_unique<tern::maps::MapList>(std::move(*m));
}

}  // namespace

TEST_CASE("local domains go to local, the rest to smtp by domain or relayhost", "[qmgr][routing]") {
    Router direct({"mx.example.test", "example.test"}, "", nullptr);
    CHECK(*direct.route("alice@Example.TEST") == Route{"local", "example.test"});
    CHECK(*direct.route("root@mx.example.test") == Route{"local", "mx.example.test"});
    CHECK(*direct.route("bob@remote.test") == Route{"smtp", "remote.test"});
    Router relayed({"example.test"}, "[smtp.provider.test]:587", nullptr);
    CHECK(*relayed.route("bob@remote.test") == Route{"smtp", "[smtp.provider.test]:587"});
    CHECK(*relayed.route("alice@example.test") == Route{"local", "example.test"});
}

TEST_CASE("transport_maps: address, domain, then .parent; Postfix's value forms", "[qmgr][routing]") {
    tern::test::TempDir dir;
    const std::string file = dir.write("transport", "vip@remote.test smtp:[vip-mx.test]:2525\n"
                                                    "remote.test smtp:\n"
                                                    ".sub.test relay:[hub.test]\n"
                                                    "blocked.test error:mail for blocked.test is not accepted\n"
                                                    "other.test :[alt.test]\n"
                                                    "bad.test ../etc:x\n");
    Router r({"example.test"}, "[relay.test]:25", table("texthash:" + file));
    CHECK(*r.route("vip@remote.test") == Route{"smtp", "[vip-mx.test]:2525"});
    CHECK(*r.route("x@remote.test") == Route{"smtp", "remote.test"});
    CHECK(*r.route("x@a.b.sub.test") == Route{"relay", "[hub.test]"});
    CHECK(*r.route("x@blocked.test") == Route{"error", "mail for blocked.test is not accepted"});
    CHECK(*r.route("x@other.test") == Route{"smtp", "[alt.test]"});
    CHECK(*r.route("x@elsewhere.test") == Route{"smtp", "[relay.test]:25"});
    auto bad = r.route("x@bad.test");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("bad transport name") != std::string::npos);
}
