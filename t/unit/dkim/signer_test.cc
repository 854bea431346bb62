// The signer, checked by our verifier (independent verifiers check it in
// t/integration/test_dkim_interop.py): RSA and Ed25519, dual signing, the
// header set with oversigning, folding, and any body chunking.
#include <catch2/catch.hpp>
#include <string>

#include "libmail/core/file_io.h"
#include "libmail/dkim/key_text.h"
#include "libmail/dkim/signer.h"
#include "libmail/dkim/verifier.h"
#include "libmail/dns/resolver.h"
#include "libmail/event/event_ptrs.h"
#include "t/unit/dkim/message_feed.h"
#include "t/unit/temp_dir.h"

using namespace tern;
using namespace tern::dkim;

namespace {

constexpr const char* kMessage =
    "Received: from x by y; Mon, 7 Dec 2026 05:00:00 +0000\n"
    "From: Alice <alice@example.com>\n"
    "To: bob@example.net,\n"
    "  carol@example.net\n"
    "Subject:  Quarterly   numbers \n"
    "Date: Mon, 7 Dec 2026 05:00:00 +0000\n"
    "Message-ID: <1@example.com>\n"
    "X-Mailer: not signed\n"
    "\n"
    "Hello Bob,  \n"
    "\n"
    "the numbers.\r\n"
    "\n\n";

struct Keys {
    tern::test::TempDir dir;
    std::vector<SigningKeyPtr> keys;
    std::string zone = "$ORIGIN example.com.\n";

    Keys() {
        for (auto [type, sel] : {std::pair{KeyType::Rsa, "r1"}, std::pair{KeyType::Ed25519, "e1"}}) {
            auto k = generate_key(type, 2048);
            REQUIRE(k);
            const std::string path = dir.path() + "/" + sel + ".key";
            REQUIRE(write_file_atomic(path, *private_key_pem(k->get()), 0600));
            auto loaded = load_signing_key(path, "Example.COM", sel);
            REQUIRE(loaded);
            keys.push_back(*loaded);
            const std::string rec = *key_record_text(k->get());
            zone += zone_txt_line(sel, "example.com", rec);
        }
    }
};

std::string sign(const std::vector<SigningKeyPtr>& keys, const std::string& msg, std::size_t chunk) {
    Signer s(keys);
    dkimtest::feed(s, msg, chunk);
    auto r = s.finish(1796619600);
    REQUIRE(r);
    return *r;
}

std::vector<SignatureResult> verify(const std::string& zone, const std::string& msg) {
    tern::test::TempDir d;
    EventBasePtr base(event_base_new());
    dns::Options o;
    o.zone_file = d.write("zone", zone);
    auto resolver = dns::Resolver::create(base.get(), o);
    REQUIRE(resolver);
    Verifier v({});
    dkimtest::feed(v, msg);
    bool done = false;
    v.verify(base.get(), **resolver, [&] { done = true; });
    for (int i = 0; i < 1000 && !done; ++i) event_base_loop(base.get(), EVLOOP_ONCE);
    REQUIRE(done);
    return v.results();
}

}  // namespace

TEST_CASE("signer: dual RSA and Ed25519 signatures verify", "[dkim][signer]") {
    Keys k;
    const std::string fields = sign(k.keys, kMessage, 1 << 20);
    for (std::size_t chunk : {1, 3, 100}) CHECK(sign(k.keys, kMessage, chunk) == fields);
    INFO(fields);
    CHECK(fields.starts_with("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=r1;"));
    CHECK(fields.find("DKIM-Signature: v=1; a=ed25519-sha256;") != std::string::npos);
    CHECK(fields.find("t=1796619600;") != std::string::npos);
    // Every line is folded short enough and continues with a tab.
    std::size_t start = 0;
    while (start < fields.size()) {
        const std::size_t end = fields.find('\n', start);
        CHECK(end - start <= 78);
        start = end + 1;
        if (start < fields.size() && fields.compare(start, 15, "DKIM-Signature:") != 0) CHECK(fields[start] == '\t');
    }
    // Oversigned names once more than they occur; absent ones once; unsigned ones never.
    std::string h = fields.substr(fields.find("h=") + 2);
    h = h.substr(0, h.find(';'));
    std::erase_if(h, [](char c) { return c == '\n' || c == '\t'; });
    CHECK(h == "from:from:subject:subject:date:date:to:to:message-id");

    auto r = verify(k.zone, fields + kMessage);
    REQUIRE(r.size() == 2);
    CHECK(r[0].status == Status::Pass);
    CHECK(r[0].reason.empty());
    CHECK(r[1].status == Status::Pass);
    CHECK(r[1].algorithm == "ed25519-sha256");
}

TEST_CASE("signer: relaxed canonicalization survives rewrapping, not changes", "[dkim][signer]") {
    Keys k;
    const std::string fields = sign(k.keys, kMessage, 1 << 20);
    std::string msg = kMessage;
    msg.replace(msg.find("Subject:  Quarterly   numbers "), 30, "subject: Quarterly\n numbers");
    auto ok = verify(k.zone, fields + msg);
    CHECK(ok[0].status == Status::Pass);
    std::string added = kMessage;
    added.insert(added.find("X-Mailer"), "Cc: eve@example.org\n");
    auto bad = verify(k.zone, fields + added);
    CHECK(bad[0].status == Status::Pass);  // Cc was absent and is not oversigned
    std::string to = kMessage;
    to.insert(to.find("X-Mailer"), "To: eve@example.org\n");
    auto bad2 = verify(k.zone, fields + to);
    CHECK(bad2[0].status == Status::Fail);
    CHECK(bad2[0].reason == "signature did not verify");
}

TEST_CASE("signer: refusals", "[dkim][signer]") {
    Keys k;
    Signer s(k.keys);
    dkimtest::feed(s, "Subject: no from\n\nbody\n");
    auto r = s.finish(0);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "no From header field to sign");

    auto weak = generate_key(KeyType::Rsa, 512);
    REQUIRE(weak);
    const std::string path = k.dir.write("weak.key", *private_key_pem(weak->get()));
    auto loaded = load_signing_key(path, "example.com", "w");
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().message.find("too short") != std::string::npos);
    auto junk = load_signing_key(k.dir.write("junk.key", "not a key"), "example.com", "j");
    REQUIRE_FALSE(junk);
    CHECK(junk.error().message.find("not a PEM private key") != std::string::npos);
}

TEST_CASE("signer: keys chosen after the headers, by the From address", "[dkim][signer]") {
    Keys k;
    Signer s;
    dkimtest::feed(s, kMessage);
    CHECK(s.from() == "alice@example.com");
    auto none = s.finish(1796619600);
    REQUIRE(none);
    CHECK(none->empty());
    s.set_keys(k.keys);
    auto fields = s.finish(1796619600);
    REQUIRE(fields);
    auto r = verify(k.zone, *fields + kMessage);
    REQUIRE(r.size() == 2);
    CHECK(r[0].status == Status::Pass);
    CHECK(r[1].status == Status::Pass);
}
