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

tern::smtp::Path rcpt(const std::string& address) {
    auto path = tern::smtp::parse_path("<" + address + ">", tern::smtp::PathRole::Recipient);
    REQUIRE(path);
    return path->path;
}

}  // namespace

TEST_CASE("recipients of virtual mailbox domains must exist", "[smtpd][policy]") {
    auto p = make_policy();
    CHECK(p.recipient_known(rcpt("alice@example.test")) == Policy::Known::Yes);
    CHECK(p.recipient_known(rcpt("alice@EXAMPLE.test")) == Policy::Known::Yes);
    CHECK(p.recipient_known(rcpt("bob@example.test")) == Policy::Known::No);
    // mydestination domains accept any local part until local(8) knows users.
    CHECK(p.recipient_known(rcpt("root@localhost")) == Policy::Known::Yes);
    CHECK(p.recipient_known(rcpt("Postmaster")) == Policy::Known::Yes);
}

TEST_CASE("authorized destinations and trusted networks", "[smtpd][policy]") {
    auto p = make_policy();
    CHECK(p.is_authorized_destination(rcpt("x@example.test")));
    CHECK(p.is_authorized_destination(rcpt("x@MX.example.test")));
    CHECK(p.is_authorized_destination(rcpt("x@relay.example")));
    CHECK(p.is_authorized_destination(rcpt("Postmaster")));
    CHECK_FALSE(p.is_authorized_destination(rcpt("x@elsewhere.example")));
    CHECK_FALSE(p.is_authorized_destination(rcpt("x@[192.0.2.1]")));
    CHECK(p.in_mynetworks("127.0.0.1"));
    CHECK(p.in_mynetworks("::1"));
    CHECK_FALSE(p.in_mynetworks("203.0.113.5"));
    CHECK_FALSE(p.in_mynetworks("2001:db8::1"));
}
