// The streaming verifier against keys served from a zone file through the
// real Resolver: the RFC 8463 example passes, and each way a signature can
// go wrong gives the status and reason an Authentication-Results line shows.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "libmail/dkim/crypto.h"
#include "libmail/dkim/key_text.h"
#include "libmail/dkim/verifier.h"
#include "libmail/dns/resolver.h"
#include "libmail/event/event_ptrs.h"
#include "t/unit/run_loop.h"
#include "t/unit/dkim/dkim_test_data.h"
#include "t/unit/dkim/message_feed.h"
#include "t/unit/temp_dir.h"

using namespace tern;
using namespace tern::dkim;

namespace {

using test::run_until;

std::string zone_with(const std::string& extra = "") {
    return std::string("$ORIGIN football.example.com.\n$TTL 300\n") + "brisbane._domainkey TXT \"" +
           dkimtest::kEd25519Record + "\"\n" + "test._domainkey TXT \"" + dkimtest::kRsaRecord + "\"\n" + extra;
}

struct Fixture {
    tern::test::TempDir dir;
    EventBasePtr base{event_base_new()};
    std::unique_ptr<dns::Resolver> resolver;

    explicit Fixture(const std::string& zone = zone_with()) {
        dns::Options o;
        o.zone_file = dir.write("zone", zone);
        auto r = dns::Resolver::create(base.get(), o);
        if (!r) FAIL(r.error().message);
        resolver = std::move(*r);
    }

    std::vector<SignatureResult> verify(std::string_view msg, VerifyOptions opts = {}, std::size_t chunk = 1 << 20,
                                        bool lookup_first = false) {
        Verifier v(opts);
        bool done = false;
        if (lookup_first) {
            // Headers, then the lookups, then the body: the overlap the message path uses.
            struct HeadersOnly {
                Verifier& v;
                void header(std::string_view f) { v.header(f); }
                void end_of_headers() { v.end_of_headers(); }
                void body(std::string_view) {}
                void end_of_body() {}
            } h{v};
            dkimtest::feed(h, msg);
            v.verify(base.get(), *resolver, [&] { done = true; });
            const auto body = msg.substr(msg.find("\n\n") + 2);
            for (std::size_t i = 0; i < body.size(); i += chunk) v.body(body.substr(i, chunk));
            v.end_of_body();
        } else {
            dkimtest::feed(v, msg, chunk);
            v.verify(base.get(), *resolver, [&] { done = true; });
        }
        CHECK_FALSE(done);  // never from inside verify() or end_of_body()
        run_until(base.get(), done);
        REQUIRE(done);
        return v.results();
    }
};

std::string test_big_header() {
    std::string msg = dkimtest::kRfc8463Message;
    std::string filler;
    for (int i = 0; i < 2000; ++i) filler += "X-Filler: " + std::string(600, 'f') + "\n";
    return filler + msg;
}

std::string replace(std::string s, std::string_view from, std::string_view to) {
    const auto p = s.find(from);
    REQUIRE(p != std::string::npos);
    s.replace(p, from.size(), to);
    return s;
}

}  // namespace

TEST_CASE("verifier: the RFC 8463 example passes with both keys", "[dkim][verifier]") {
    Fixture f;
    for (std::size_t chunk : {1, 7, 1 << 20}) {
        for (bool overlap : {false, true}) {
            auto r = f.verify(dkimtest::kRfc8463Message, {}, chunk, overlap);
            REQUIRE(r.size() == 2);
            CHECK(r[0].status == Status::Pass);
            CHECK(r[0].reason.empty());
            CHECK(r[0].domain == "football.example.com");
            CHECK(r[0].selector == "brisbane");
            CHECK(r[0].algorithm == "ed25519-sha256");
            CHECK(r[0].identity == "@football.example.com");
            CHECK(r[0].b_prefix == "9/dsDChY");
            CHECK(r[1].status == Status::Pass);
            CHECK(r[1].algorithm == "rsa-sha256");
            CHECK(status_name(r[1].status) == "pass");
        }
    }
}

TEST_CASE("verifier: tampering is caught", "[dkim][verifier]") {
    Fixture f;
    auto body = f.verify(replace(dkimtest::kRfc8463Message, "hungry", "thirsty"));
    REQUIRE(body.size() == 2);
    CHECK(body[0].status == Status::Fail);
    CHECK(body[0].reason == "body hash did not verify");
    CHECK(body[1].reason == "body hash did not verify");
    auto header = f.verify(replace(dkimtest::kRfc8463Message, "Is dinner ready?", "Is lunch ready?"));
    CHECK(header[0].status == Status::Fail);
    CHECK(header[0].reason == "signature did not verify");
    CHECK(header[1].reason == "signature did not verify");
    // A second From added above the signed one: From is oversigned, so this fails.
    const std::string msg = dkimtest::kRfc8463Message;
    const auto from = msg.find("From:");
    auto added = f.verify(msg.substr(0, from) + "From: evil@example.net\n" + msg.substr(from));
    CHECK(added[0].status == Status::Fail);
    // Blank lines added at the end do not change a simple body (RFC 6376 3.4.3).
    auto blank = f.verify(std::string(dkimtest::kRfc8463Message) + "\n\n");
    CHECK(blank[0].status == Status::Pass);
}

TEST_CASE("verifier: key problems", "[dkim][verifier]") {
    auto short_key = generate_key(KeyType::Rsa, 512);
    REQUIRE(short_key);
    Fixture f(std::string("$ORIGIN football.example.com.\n") + "brisbane._domainkey TXT \"v=DKIM1; k=ed25519; p=\"\n" +
              "test._domainkey TXT \"" + *key_record_text(short_key->get()) + "\"\n");
    auto r = f.verify(dkimtest::kRfc8463Message);
    REQUIRE(r.size() == 2);
    CHECK(r[0].status == Status::PermError);
    CHECK(r[0].reason == "key revoked");
    CHECK(r[1].status == Status::PermError);
    CHECK(r[1].reason == "key too short (512 bits)");

    Fixture none("$ORIGIN football.example.com.\ntest._domainkey TXT \"v=DKIM1; k=ed25519; p=" +
                 std::string(dkimtest::kEd25519Record).substr(std::string(dkimtest::kEd25519Record).find("p=") + 2) + "\"\n");
    auto n = none.verify(dkimtest::kRfc8463Message);
    CHECK(n[0].status == Status::PermError);
    CHECK(n[0].reason == "no key");
    CHECK(n[1].status == Status::PermError);
    CHECK(n[1].reason == "key type does not match a=");

    Fixture testing(std::string("$ORIGIN football.example.com.\n") + "brisbane._domainkey TXT \"v=DKIM1; t=y; " +
                    std::string(dkimtest::kEd25519Record).substr(8) + "\"\n");
    auto t = testing.verify(dkimtest::kRfc8463Message);
    CHECK(t[0].status == Status::Pass);
    CHECK(t[0].testing);
}

TEST_CASE("verifier: an expired signature fails without a lookup", "[dkim][verifier]") {
    Fixture f;
    const std::string msg = replace(dkimtest::kRfc8463Message, "t=1518460054;", "t=1518460054; x=1518460100;");
    VerifyOptions o;
    o.now = 1518460101;
    auto r = f.verify(msg, o);
    CHECK(r[0].status == Status::Fail);
    CHECK(r[0].reason == "signature expired");
    CHECK(r[1].status == Status::Pass);
}

TEST_CASE("verifier: malformed and surplus signatures", "[dkim][verifier]") {
    Fixture f;
    const std::string bad = replace(dkimtest::kRfc8463Message, "a=ed25519-sha256", "a=rsa-sha1");
    auto r = f.verify(bad);
    CHECK(r[0].status == Status::PermError);
    CHECK(r[0].reason == "rsa-sha1 is not accepted (RFC 8301)");
    CHECK(r[0].domain == "football.example.com");
    CHECK(r[1].status == Status::Pass);

    Verifier v(VerifyOptions{1, false, 1024, 0});
    dkimtest::feed(v, dkimtest::kRfc8463Message);
    CHECK(v.has_signatures());
    CHECK(v.results().size() == 1);
    CHECK(v.ignored_signatures() == 1);

    Verifier none({});
    dkimtest::feed(none, "From: a@b\n\nbody\n");
    CHECK_FALSE(none.has_signatures());
    bool done = false;
    none.verify(f.base.get(), *f.resolver, [&] { done = true; });
    CHECK_FALSE(done);
    run_until(f.base.get(), done);
    CHECK(done);
}

TEST_CASE("verifier: a header block over the limit is one permerror", "[dkim][verifier]") {
    Fixture f;
    std::string msg = test_big_header();
    auto r = f.verify(msg);
    REQUIRE(r.size() == 1);
    CHECK(r[0].status == Status::PermError);
    CHECK(r[0].reason == "header too large");
}

namespace {

// A resolver whose answers the test controls: TempFail for every name, and
// a count of queries still alive (destroying a Query cancels it).
class StuckResolver : public dns::Resolver {
public:
    struct Q : dns::Query {
        int* alive;
        explicit Q(int* a) : alive(a) { ++*alive; }
        ~Q() override { --*alive; }
    };
    int alive = 0;
    std::vector<Done> pending;
    std::unique_ptr<dns::Query> query(std::string_view, dns::RrType, Done done) override {
        pending.push_back(std::move(done));
        return std::make_unique<Q>(&alive);
    }
};

}  // namespace

TEST_CASE("verifier: a DNS failure is temperror; destruction cancels lookups", "[dkim][verifier]") {
    EventBasePtr base(event_base_new());
    StuckResolver dns;
    {
        Verifier v({});
        dkimtest::feed(v, dkimtest::kRfc8463Message);
        bool done = false;
        v.verify(base.get(), dns, [&] { done = true; });
        CHECK(dns.alive == 2);
        dns::Answer a;
        a.status = dns::Answer::Status::TempFail;
        a.error = "timed out";
        for (auto& d : dns.pending) d(a);
        run_until(base.get(), done);
        REQUIRE(done);
        CHECK(v.results()[0].status == Status::TempError);
        CHECK(v.results()[0].reason == "key lookup failed: timed out");
    }
    dns.pending.clear();
    {
        Verifier v({});
        dkimtest::feed(v, dkimtest::kRfc8463Message);
        v.verify(base.get(), dns, [] { FAIL("done after destruction"); });
        CHECK(dns.alive == 2);
    }
    CHECK(dns.alive == 0);
    event_base_loop(base.get(), EVLOOP_NONBLOCK);
}
