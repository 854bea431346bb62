#include <catch2/catch.hpp>

#include "libmail/config/config.h"
#include "libmail/store/mail_owner.h"
#include "libmail/store/mailbox_location.h"

using namespace tern;

namespace {
std::string owner_for(std::string_view main_cf) {
    auto cfg = config::Config::from_text(main_cf, "main.cf", "/nonexistent");
    REQUIRE(cfg);
    return store::mailbox_owner(*cfg);
}
}  // namespace

TEST_CASE("the mail store owner comes from virtual_uid_maps = static:UID, else mail_owner", "[store][owner]") {
    CHECK(owner_for("virtual_uid_maps = static:5000\n") == "5000");
    CHECK(owner_for("virtual_uid_maps = static:{vmail}\n") == "vmail");
    CHECK(owner_for("mail_owner = postman\n") == "postman");
    CHECK(owner_for("") == "tern");
}

TEST_CASE("locate_maildir joins the map value to virtual_mailbox_base and refuses escapes", "[store][location]") {
    auto maps = maps::MapList::open(
        {"inline:{ alice@example.test=example.test/alice/, evil@example.test=../etc/, abs@example.test=/etc/ }"});
    REQUIRE(maps);
    auto alice = store::locate_maildir(*maps, "/var/mail/vhosts", "alice@example.test");
    REQUIRE(alice);
    CHECK(*alice == "/var/mail/vhosts/example.test/alice");
    auto upper = store::locate_maildir(*maps, "/var/mail/vhosts", "Alice@Example.test");
    REQUIRE(upper);
    CHECK(*upper == *alice);
    CHECK_FALSE(store::locate_maildir(*maps, "/var/mail/vhosts", "evil@example.test"));
    CHECK_FALSE(store::locate_maildir(*maps, "/var/mail/vhosts", "abs@example.test"));
    CHECK_FALSE(store::locate_maildir(*maps, "/var/mail/vhosts", "nobody@example.test"));
}
