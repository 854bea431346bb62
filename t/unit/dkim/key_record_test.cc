// DKIM key records (RFC 6376 3.6.1, RFC 8463 4): the keys they carry and
// the reasons a record is refused.
#include <catch2/catch.hpp>
#include <string>

#include "libmail/dkim/key_record.h"
#include "libmail/dkim/key_text.h"
#include "t/unit/dkim/dkim_test_data.h"

using namespace tern::dkim;

TEST_CASE("key record: RSA and Ed25519 keys of RFC 8463", "[dkim][key_record]") {
    auto rsa = parse_key_record(dkimtest::kRsaRecord);
    REQUIRE(rsa);
    CHECK(rsa->type == KeyType::Rsa);
    CHECK(rsa->bits == 1024);
    CHECK_FALSE(rsa->revoked);
    auto ed = parse_key_record(dkimtest::kEd25519Record);
    REQUIRE(ed);
    CHECK(ed->type == KeyType::Ed25519);
    CHECK(ed->key != nullptr);
}

TEST_CASE("key record: flags, hashes, services, and an empty p= revokes", "[dkim][key_record]") {
    auto r = parse_key_record("v=DKIM1; t=y:s; h=sha1:sha256; s=email; p=");
    REQUIRE(r);
    CHECK(r->revoked);
    CHECK(r->testing);
    CHECK(r->strict);
    CHECK(r->key == nullptr);
}

TEST_CASE("key record: refusals say why", "[dkim][key_record]") {
    struct Case {
        std::string text;
        const char* error;
    };
    auto c = GENERATE(values<Case>({
        {"v=DKIM2; p=", "bad key record: v=DKIM2"},
        {"k=rsa; v=DKIM1; p=", "bad key record: v= is not first"},
        {"v=DKIM1; k=dsa; p=", "unknown key type k=dsa"},
        {"v=DKIM1; k=rsa", "key record without p="},
        {"v=DKIM1; p=@@@", "key record p= is not base64"},
        {"v=DKIM1; h=sha1; p=", "key record h= does not allow sha256"},
        {"v=DKIM1; s=web; p=", "key record is not for email (s=web)"},
        {"v=DKIM1; p=AAAA", "key record p=: bad RSA key"},
        {"v=DKIM1; k=ed25519; p=AAAA", "key record p=: ed25519 key is not 32 octets"},
        {"v=DKIM1; p=; p=", "bad key record: duplicate tag p"},
    }));
    auto r = parse_key_record(c.text);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.starts_with(c.error));
}

TEST_CASE("key record: an Ed25519 record where k=rsa is said is refused", "[dkim][key_record]") {
    auto r = parse_key_record("v=DKIM1; k=rsa; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    CHECK_FALSE(r);
}

TEST_CASE("key text: a generated key round-trips through its record", "[dkim][key_record]") {
    auto ed = generate_key(KeyType::Ed25519, 0);
    REQUIRE(ed);
    auto text = key_record_text(ed->get());
    REQUIRE(text);
    CHECK(text->starts_with("v=DKIM1; k=ed25519; p="));
    auto rec = parse_key_record(*text);
    REQUIRE(rec);
    CHECK(rec->type == KeyType::Ed25519);

    auto rsa = generate_key(KeyType::Rsa, 2048);
    REQUIRE(rsa);
    auto rtext = key_record_text(rsa->get());
    REQUIRE(rtext);
    auto rrec = parse_key_record(*rtext);
    REQUIRE(rrec);
    CHECK(rrec->bits == 2048);
    // The zone line splits the record into strings of at most 255 octets.
    const std::string zone = zone_txt_line("s1", "example.com", *rtext);
    CHECK(zone.starts_with("s1._domainkey.example.com. IN TXT ( \"v=DKIM1; k=rsa; \"\n\t\"p=MII"));
    std::size_t strings = 0;
    for (std::size_t q = zone.find('"'); q != std::string::npos; q = zone.find('"', q + 1)) {
        const std::size_t end = zone.find('"', q + 1);
        CHECK(end - q - 1 <= kMaxTxtStringOctets);
        q = end;
        ++strings;
    }
    CHECK(strings == 3);  // "v=DKIM1; k=rsa; " and the 392-octet key in two pieces
}
