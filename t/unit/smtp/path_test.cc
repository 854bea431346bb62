#include <catch2/catch.hpp>

#include <string>

#include "libmail/smtp/path.h"

using tern::smtp::PathRole;

namespace {

struct Case {
    const char* label;
    std::string input;
    PathRole role;
    int code;               // 0: accepted
    const char* address;    // when accepted
    const char* local;
    const char* domain;
    const char* params;
};

}  // namespace

TEST_CASE("MAIL FROM and RCPT TO paths", "[smtp][path]") {
    const std::string long_local(65, 'a');
    const std::string ok_local(64, 'a');
    const std::string long_domain = std::string(250, 'd') + ".test";  // 255 + local: path > 256
    auto c = GENERATE_COPY(values<Case>({
        {"plain address", "<alice@example.test>", PathRole::Recipient, 0, "alice@example.test", "alice", "example.test", ""},
        {"space before bracket", " <alice@example.test>", PathRole::Sender, 0, "alice@example.test", "alice", "example.test", ""},
        {"null sender", "<>", PathRole::Sender, 0, "", "", "", ""},
        {"null recipient refused", "<>", PathRole::Recipient, 501, "", "", "", ""},
        {"params follow", "<a@b.test> SIZE=100 BODY=8BITMIME", PathRole::Sender, 0, "a@b.test", "a", "b.test", "SIZE=100 BODY=8BITMIME"},
        {"quoted local part", "<\"john doe\"@example.test>", PathRole::Recipient, 0, "\"john doe\"@example.test", "john doe", "example.test", ""},
        {"quoted local part with > and @", "<\"a>b@c\"@example.test>", PathRole::Recipient, 0, "\"a>b@c\"@example.test", "a>b@c", "example.test", ""},
        {"quoted pair", "<\"a\\\"b\"@example.test>", PathRole::Recipient, 0, "\"a\\\"b\"@example.test", "a\"b", "example.test", ""},
        {"source route ignored", "<@relay.test,@other.test:bob@example.test>", PathRole::Recipient, 0, "bob@example.test", "bob", "example.test", ""},
        {"postmaster without domain", "<Postmaster>", PathRole::Recipient, 0, "Postmaster", "Postmaster", "", ""},
        {"other local part without domain", "<bob>", PathRole::Recipient, 501, "", "", "", ""},
        {"postmaster without domain as sender", "<postmaster>", PathRole::Sender, 501, "", "", "", ""},
        {"address literal", "<bob@[192.0.2.1]>", PathRole::Recipient, 0, "bob@[192.0.2.1]", "bob", "[192.0.2.1]", ""},
        {"missing brackets", "alice@example.test", PathRole::Sender, 501, "", "", "", ""},
        {"missing closing bracket", "<alice@example.test", PathRole::Recipient, 501, "", "", "", ""},
        {"double dot", "<a..b@example.test>", PathRole::Recipient, 501, "", "", "", ""},
        {"leading dot", "<.a@example.test>", PathRole::Recipient, 501, "", "", "", ""},
        {"bad domain", "<a@exa_mple.test>", PathRole::Recipient, 501, "", "", "", ""},
        {"domain ends in dot", "<a@example.test.>", PathRole::Recipient, 501, "", "", "", ""},
        {"UTF-8 local part", "<j\xc3\xb6rg@example.test>", PathRole::Recipient, 0, "j\xc3\xb6rg@example.test", "j\xc3\xb6rg", "example.test", ""},
        {"UTF-8 domain", "<bob@b\xc3\xbc" "cher.test>", PathRole::Recipient, 0, "bob@b\xc3\xbc" "cher.test", "bob", "b\xc3\xbc" "cher.test", ""},
        {"routing in the local part", "<user@remote.test@example.test>", PathRole::Recipient, 0, "user@remote.test@example.test", "user@remote.test", "example.test", ""},
        {"empty piece before @", "<@@example.test>", PathRole::Recipient, 501, "", "", "", ""},
        {"malformed UTF-8", "<j\xc3rg@example.test>", PathRole::Recipient, 501, "", "", "", ""},
        {"overlong UTF-8", "<\xc0\xafx@example.test>", PathRole::Recipient, 501, "", "", "", ""},
        {"DEL in local part", "<a\x7f@example.test>", PathRole::Recipient, 501, "", "", "", ""},
        {"junk after bracket", "<a@b.test>x", PathRole::Recipient, 501, "", "", "", ""},
        {"unterminated quote", "<\"abc@example.test>", PathRole::Recipient, 501, "", "", "", ""},
        {"local part of 64 octets", "<" + ok_local + "@example.test>", PathRole::Recipient, 0, nullptr, nullptr, "example.test", ""},
        {"local part of 65 octets", "<" + long_local + "@example.test>", PathRole::Recipient, 501, "", "", "", ""},
        {"path over 256 octets", "<a@" + long_domain + ">", PathRole::Recipient, 501, "", "", "", ""},
    }));
    INFO(c.label);
    auto r = tern::smtp::parse_path(c.input, c.role);
    if (c.code == 0) {
        REQUIRE(r);
        if (c.address) CHECK(r->path.address == c.address);
        if (c.local) CHECK(r->path.local_part == c.local);
        CHECK(r->path.domain == c.domain);
        CHECK(std::string(r->params) == c.params);
    } else {
        REQUIRE_FALSE(r);
        CHECK(r.error().code == c.code);
    }
}

TEST_CASE("path errors name the role", "[smtp][path]") {
    auto s = tern::smtp::parse_path("<a..b@x.test>", PathRole::Sender);
    REQUIRE_FALSE(s);
    CHECK(s.error().line() == "501 5.1.7 Bad sender address syntax");
    auto r = tern::smtp::parse_path("<a..b@x.test>", PathRole::Recipient);
    REQUIRE_FALSE(r);
    CHECK(r.error().line() == "501 5.1.3 Bad recipient address syntax");
    auto m = tern::smtp::parse_path("a@x.test", PathRole::Sender);
    REQUIRE_FALSE(m);
    CHECK(m.error().line() == "501 5.5.4 Syntax: MAIL FROM:<address>");
}

TEST_CASE("UTF-8 paths are flagged for the SMTPUTF8 check", "[smtp][path]") {
    auto ascii = tern::smtp::parse_path("<bob@example.test>", PathRole::Sender);
    REQUIRE(ascii);
    CHECK_FALSE(ascii->path.utf8);
    auto utf8 = tern::smtp::parse_path("<\"j\xc3\xb6rg\"@example.test>", PathRole::Sender);
    REQUIRE(utf8);
    CHECK(utf8->path.utf8);
    CHECK(utf8->path.local_part == "j\xc3\xb6rg");
}

TEST_CASE("sender-specified routing is visible in the local part", "[smtp][path]") {
    for (const char* routed : {"<user%remote.test@example.test>", "<remote.test!user@example.test>",
                               "<\"user@remote.test\"@example.test>", "<user@remote.test@example.test>"}) {
        INFO(routed);
        auto r = tern::smtp::parse_path(routed, PathRole::Recipient);
        REQUIRE(r);
        CHECK(r->path.has_routing());
        CHECK(r->path.domain == "example.test");
    }
    auto plain = tern::smtp::parse_path("<user@example.test>", PathRole::Recipient);
    REQUIRE(plain);
    CHECK_FALSE(plain->path.has_routing());
}
