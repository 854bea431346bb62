// Which keys sign a message: the key directory default (what `tern dkim
// keygen` sets up), the OpenDKIM-style signing and key tables, and the list
// of configured keys that `tern dns-records` prints.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <string>

#include "libmail/config/config.h"
#include "libmail/core/file_io.h"
#include "libmail/dkim/signing_table.h"
#include "t/unit/temp_dir.h"

using namespace tern;
using namespace tern::dkim;

namespace {

std::string make_key(const std::string& path, KeyType type) {
    REQUIRE(make_dirs(dir_of(path), 0700));
    auto k = generate_key(type, 1024);
    REQUIRE(k);
    REQUIRE(write_file_atomic(path, *private_key_pem(k->get()), 0600));
    return path;
}

config::Config load(const tern::test::TempDir& d, const std::string& main_cf) {
    auto cfg = config::Config::from_text("config_directory = " + d.path() + "\n" + main_cf, "main.cf", d.path());
    REQUIRE(cfg);
    return std::move(*cfg);
}

}  // namespace

TEST_CASE("signing table: from_address takes the addr-spec of a From value", "[dkim][signing_table]") {
    CHECK(from_address(" Alice <alice@Example.COM>\n") == "alice@example.com");
    CHECK(from_address("alice@example.com (Alice)") == "alice@example.com");
    CHECK(from_address("\"Eve <eve@evil.test>\" <alice@example.com>") == "alice@example.com");
    CHECK(from_address("undisclosed") == "");
    CHECK(from_address("a@b.test, c@d.test") == "a@b.test");
}

TEST_CASE("signing table: without tables, the key directory of the From domain signs", "[dkim][signing_table]") {
    tern::test::TempDir d;
    make_key(d.path() + "/dkim/example.com/s2.key", KeyType::Ed25519);
    make_key(d.path() + "/dkim/example.com/s1.key", KeyType::Rsa);
    make_key(d.path() + "/dkim/other.test/s1.key", KeyType::Rsa);
    auto cfg = load(d, "");
    auto t = SigningTable::open(cfg);
    REQUIRE(t);
    auto keys = t->keys_for("alice@Example.com");
    REQUIRE(keys);
    REQUIRE(keys->size() == 2);
    CHECK((*keys)[0]->selector == "s1");
    CHECK((*keys)[0]->type == KeyType::Rsa);
    CHECK((*keys)[1]->selector == "s2");
    CHECK((*keys)[1]->domain == "example.com");
    auto none = t->keys_for("bob@elsewhere.test");
    REQUIRE(none);
    CHECK(none->empty());
    auto again = t->keys_for("carol@example.com");
    REQUIRE(again);
    CHECK((*again)[0].get() == (*keys)[0].get());  // cached, not reloaded

    auto listed = configured_keys(cfg, "");
    REQUIRE(listed.size() == 3);
    CHECK(listed[0].domain == "example.com");
    CHECK(listed[0].selector == "s1");
    CHECK(listed[0].record.starts_with("v=DKIM1; k=rsa; p=MI"));
    CHECK(listed[1].record.starts_with("v=DKIM1; k=ed25519; p="));
    CHECK(listed[2].domain == "other.test");
    CHECK(configured_keys(cfg, "Other.test").size() == 1);
}

TEST_CASE("signing table: address, @domain, domain and parent-domain keys", "[dkim][signing_table]") {
    tern::test::TempDir d;
    const std::string k1 = make_key(d.path() + "/keys/k1.key", KeyType::Rsa);
    const std::string k2 = make_key(d.path() + "/keys/k2.key", KeyType::Ed25519);
    d.write("signing", "ceo@example.com k1, k2\n@example.com k2\nexample.org k1\n.example.net k2\n");
    d.write("keytable", "k1 example.com:sel1:" + k1 + "\nk2 %:sel2:" + k2 + "\n");
    auto cfg = load(d, "dkim_signing_table = texthash:" + d.path() + "/signing\ndkim_key_table = texthash:" + d.path() +
                           "/keytable\n");
    auto t = SigningTable::open(cfg);
    REQUIRE(t);
    struct Case {
        const char* from;
        std::vector<std::string> selectors;
        std::string domain;
    };
    auto c = GENERATE(values<Case>({
        {"ceo@example.com", {"sel1", "sel2"}, "example.com"},
        {"bob@example.com", {"sel2"}, "example.com"},
        {"bob@example.org", {"sel1"}, "example.com"},
        {"bob@mail.example.net", {"sel2"}, "mail.example.net"},
        {"bob@example.net", {}, ""},
    }));
    auto keys = t->keys_for(c.from);
    REQUIRE(keys);
    std::vector<std::string> sels;
    for (const auto& k : *keys) sels.push_back(k->selector);
    CHECK(sels == c.selectors);
    if (!keys->empty()) CHECK(keys->back()->domain == c.domain);

    // k2's domain is "%": it serves any domain asked about, and none in the full list.
    auto listed = configured_keys(cfg, "example.com");
    REQUIRE(listed.size() == 2);
    CHECK(listed[0].name == "k1");
    CHECK(listed[1].name == "k2");
    auto all = configured_keys(cfg, "");
    REQUIRE(all.size() == 1);
    CHECK(all[0].selector == "sel1");
}

TEST_CASE("signing table: a missing key name or file is an error", "[dkim][signing_table]") {
    tern::test::TempDir d;
    d.write("signing", "example.com nokey\nexample.org gone\n");
    d.write("keytable", "gone example.org:s:" + d.path() + "/missing.key\n");
    auto cfg = load(d, "dkim_signing_table = texthash:" + d.path() + "/signing\ndkim_key_table = texthash:" + d.path() +
                           "/keytable\n");
    auto t = SigningTable::open(cfg);
    REQUIRE(t);
    auto a = t->keys_for("x@example.com");
    REQUIRE_FALSE(a);
    CHECK(a.error().message == "dkim_key_table has no key named nokey");
    auto b = t->keys_for("x@example.org");
    REQUIRE_FALSE(b);
    CHECK(b.error().message.find("missing.key") != std::string::npos);
}
