// UIDL values (RFC 1939 7): taken from the Maildir base name, so a message
// keeps its UIDL when its flags change (IMAP), across restarts and when the
// index is rebuilt; always 1-70 octets of 0x21-0x7E.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "pop3d/uidl.h"

using namespace tern::pop3d;

namespace {
bool valid(const std::string& u) {
    if (u.empty() || u.size() > 70) return false;
    for (unsigned char c : u)
        if (c < 0x21 || c > 0x7E) return false;
    return true;
}
}  // namespace

TEST_CASE("the UIDL is the Maildir base name, whatever the flags and the folder part", "[pop3d][uidl]") {
    const std::string base = "1765072800.M123456P4242Q1.mx,S=120,W=124";
    CHECK(uidl_for("cur/" + base + ":2,") == base);
    CHECK(uidl_for("cur/" + base + ":2,FS") == base);  // IMAP set \Flagged \Seen: same UIDL
    CHECK(uidl_for("new/" + base) == base);
    CHECK(maildir_base("cur/a:b:2,S") == "a:b");
}

TEST_CASE("the store's ,U=<uid> field is not part of the UIDL", "[pop3d][uidl]") {
    const std::string base = "1765072800.M123456P4242Q1.mx,S=120,W=124";
    // As delivered, once numbered by the store, and renumbered after a clash.
    CHECK(uidl_for("cur/" + base + ",U=7:2,S") == base);
    CHECK(uidl_for("cur/" + base + ",U=12:2,") == base);
    CHECK(uidl_for("cur/1765072800.M1P2Q3.mx,U=7,S=9,W=10:2,") == "1765072800.M1P2Q3.mx,S=9,W=10");
    // Not a whole field: left alone.
    CHECK(without_uid_field("a,U=7x,S=1") == "a,U=7x,S=1");
    CHECK(without_uid_field("a,U=") == "a,U=");
    CHECK(without_uid_field("a,U=5,U=6") == "a,U=6");
}

struct Odd {
    const char* what;
    std::string base;
};

TEST_CASE("a base name that is not a valid unique-id gets a stable digest", "[pop3d][uidl]") {
    const Odd odd = GENERATE(values<Odd>({
        {"longer than 70 octets", "1765072800.M123456P4242Q1." + std::string(60, 'h') + ",S=1,W=2"},
        {"a space", "with space"},
        {"8-bit", "caf\xc3\xa9"},
        {"a leading tilde (reserved for digests)", "~short"},
        {"a control character", std::string("a\x7f" "b")},
    }));
    INFO(odd.what);
    const std::string u = uidl_for("cur/" + odd.base + ":2,S");
    CHECK(valid(u));
    CHECK(u.size() == 41);
    CHECK(u[0] == '~');
    CHECK(uidl_for("cur/" + odd.base + ":2,") == u);  // same message, other flags
}

TEST_CASE("UIDLs of distinct names are distinct", "[pop3d][uidl]") {
    std::set<std::string> seen;
    const std::string longhost(60, 'h');
    for (int i = 0; i < 1000; ++i) {
        const std::string n = std::to_string(1765072800 + i) + ".M1P2Q" + std::to_string(i);
        REQUIRE(seen.insert(uidl_for("cur/" + n + ":2,")).second);
        REQUIRE(seen.insert(uidl_for("cur/" + n + "." + longhost + ":2,")).second);
    }
    CHECK(digest_uidl("a") != digest_uidl("b"));
    CHECK(valid(digest_uidl("")));
}
