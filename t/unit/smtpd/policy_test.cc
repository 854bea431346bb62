#include <catch2/catch.hpp>

#include <string>

#include "libmail/smtp/path.h"
#include "smtpd/policy.h"

using tern::smtpd::Policy;

namespace {

Policy make_policy() {
    auto maps = tern::maps::MapList::open({"inline:{ alice@example.test=example.test/alice/ }"});
    REQUIRE(maps);
    auto nets = tern::smtp::CidrList::parse({"127.0.0.0/8", "[::1]/128"});
    REQUIRE(nets);
    return Policy({"mx.example.test", "localhost"}, {"example.test"}, {"relay.example"}, std::move(*maps),
                  std::move(*nets));
}

std::string verdict(Policy& p, const std::string& rcpt, const std::string& ip) {
    auto path = tern::smtp::parse_path("<" + rcpt + ">", tern::smtp::PathRole::Recipient);
    REQUIRE(path);
    auto r = p.check_recipient(path->path, ip);
    return r ? r->line() : "accept";
}

}  // namespace

TEST_CASE("recipients of virtual mailbox domains must exist", "[smtpd][policy]") {
    auto p = make_policy();
    CHECK(verdict(p, "alice@example.test", "203.0.113.5") == "accept");
    CHECK(verdict(p, "alice@EXAMPLE.test", "203.0.113.5") == "accept");
    CHECK(verdict(p, "bob@example.test", "203.0.113.5") ==
          "550 5.1.1 <bob@example.test>: Recipient address rejected: User unknown in virtual mailbox table");
    // Trusted clients get no pass for unknown users either.
    CHECK(verdict(p, "bob@example.test", "127.0.0.1").rfind("550 5.1.1", 0) == 0);
}

TEST_CASE("mydestination domains accept any local part for now", "[smtpd][policy]") {
    auto p = make_policy();
    CHECK(verdict(p, "postmaster@mx.example.test", "203.0.113.5") == "accept");
    CHECK(verdict(p, "root@localhost", "203.0.113.5") == "accept");
    CHECK(verdict(p, "Postmaster", "203.0.113.5") == "accept");
}

TEST_CASE("relaying only for mynetworks or relay_domains", "[smtpd][policy]") {
    auto p = make_policy();
    CHECK(verdict(p, "x@elsewhere.example", "203.0.113.5") == "554 5.7.1 <x@elsewhere.example>: Relay access denied");
    CHECK(verdict(p, "x@elsewhere.example", "127.0.0.1") == "accept");
    CHECK(verdict(p, "x@elsewhere.example", "::1") == "accept");
    CHECK(verdict(p, "x@elsewhere.example", "2001:db8::1").rfind("554 5.7.1", 0) == 0);
    CHECK(verdict(p, "x@relay.example", "203.0.113.5") == "accept");
    CHECK(verdict(p, "x@[192.0.2.1]", "203.0.113.5").rfind("554 5.7.1", 0) == 0);
}
