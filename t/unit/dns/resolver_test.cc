// Resolver on a real event_base, answering from a zone file in a temp dir
// (libunbound local data: nothing leaves the machine), plus forwarder
// behaviour against UDP sockets on 127.0.0.1 that the test itself serves.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>

#include "libmail/core/unique_fd.h"
#include "libmail/dns/resolver.h"
#include "libmail/event/event_ptrs.h"
#include "t/unit/run_loop.h"
#include "t/unit/temp_dir.h"

using namespace tern;
using namespace tern::dns;
using Status = Answer::Status;

namespace {

constexpr const char* kZone = R"(; test data for the resolver
$ORIGIN example.test.
$TTL 300
@        IN MX 20 mx2
@        IN MX 10 mx1.example.test.
mx1      IN A 192.0.2.1
mx1      IN AAAA 2001:db8::1
mx2      A 192.0.2.2
         A 192.0.2.3
txt      TXT "v=spf1 " "include:_spf.example.test" ( " -all"
             )
txt      TXT "second record"
nullmx   MX 0 .
alias    CNAME mx1
1.2.0.192.in-addr.arpa. PTR MX1.Example.Test.
1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR mx1
$ORIGIN zen.test.
2.0.0.127 A 127.0.0.2
2.0.0.127 TXT "Listed: see https://zen.test/q?127.0.0.2"
)";

using test::run_until;

struct Fixture {
    test::TempDir dir;
    EventBasePtr base{event_base_new()};
    std::unique_ptr<Resolver> resolver;

    explicit Fixture(const std::string& zone = kZone) {
        Options o;
        o.zone_file = dir.write("zone", zone);
        auto r = Resolver::create(base.get(), o);
        if (!r) FAIL(r.error().message);
        resolver = std::move(*r);
    }

    Answer ask(std::string_view name, RrType type) {
        Answer out;
        bool done = false;
        auto q = resolver->query(name, type, [&](const Answer& a) {
            out = a;
            done = true;
        });
        CHECK_FALSE(done);  // never from inside query()
        run_until(base.get(), done);
        REQUIRE(done);
        return out;
    }
};

}  // namespace

TEST_CASE("zone file: A and AAAA, with and without the trailing dot", "[dns][resolver]") {
    Fixture f;
    Answer a = f.ask("mx1.example.test", RrType::A);
    CHECK(a.status == Status::Ok);
    CHECK(a.addresses == std::vector<std::string>{"192.0.2.1"});
    CHECK_FALSE(a.secure);
    a = f.ask("MX2.example.test.", RrType::A);
    CHECK(a.status == Status::Ok);
    std::vector<std::string> two = a.addresses;
    std::sort(two.begin(), two.end());
    CHECK(two == std::vector<std::string>{"192.0.2.2", "192.0.2.3"});
    a = f.ask("mx1.example.test", RrType::AAAA);
    CHECK(a.status == Status::Ok);
    CHECK(a.addresses == std::vector<std::string>{"2001:db8::1"});
}

TEST_CASE("zone file: MX with preferences, null MX", "[dns][resolver]") {
    Fixture f;
    Answer a = f.ask("example.test", RrType::MX);
    REQUIRE(a.status == Status::Ok);
    REQUIRE(a.mx.size() == 2);
    std::map<std::string, int> pref;
    for (const Mx& m : a.mx) pref[m.host] = m.preference;
    CHECK(pref == std::map<std::string, int>{{"mx1.example.test", 10}, {"mx2.example.test", 20}});

    a = f.ask("nullmx.example.test", RrType::MX);
    REQUIRE(a.status == Status::Ok);
    REQUIRE(a.mx.size() == 1);
    CHECK(a.mx[0].preference == 0);
    CHECK(a.mx[0].host.empty());
}

TEST_CASE("zone file: TXT records join their strings", "[dns][resolver]") {
    Fixture f;
    Answer a = f.ask("txt.example.test", RrType::TXT);
    REQUIRE(a.status == Status::Ok);
    std::vector<std::string> txt = a.txt;
    std::sort(txt.begin(), txt.end());
    CHECK(txt == std::vector<std::string>{"second record", "v=spf1 include:_spf.example.test -all"});
}

TEST_CASE("zone file: PTR through reverse_name, IPv4 and IPv6", "[dns][resolver]") {
    Fixture f;
    Answer a = f.ask(reverse_name("192.0.2.1", "in-addr.arpa"), RrType::PTR);
    REQUIRE(a.status == Status::Ok);
    CHECK(a.names == std::vector<std::string>{"mx1.example.test"});
    a = f.ask(reverse_name("2001:db8::1", "ip6.arpa"), RrType::PTR);
    REQUIRE(a.status == Status::Ok);
    CHECK(a.names == std::vector<std::string>{"mx1.example.test"});
    CHECK(f.ask(reverse_name("192.0.2.9", "in-addr.arpa"), RrType::PTR).status == Status::NxDomain);
}

TEST_CASE("zone file: absent names are NXDOMAIN, absent types NoData", "[dns][resolver]") {
    Fixture f;
    CHECK(f.ask("nowhere.example.test", RrType::A).status == Status::NxDomain);
    CHECK(f.ask("www.example.com", RrType::A).status == Status::NxDomain);
    CHECK(f.ask("mx1.example.test", RrType::MX).status == Status::NoData);
    CHECK(f.ask("mx2.example.test", RrType::AAAA).status == Status::NoData);
    CHECK(f.ask("example.test", RrType::TXT).status == Status::NoData);
    CHECK(f.ask("bad..name.example.test", RrType::A).status == Status::NxDomain);
    CHECK(f.ask(std::string(64, 'a') + ".example.test", RrType::A).status == Status::NxDomain);
}

TEST_CASE("zone file: a CNAME is followed", "[dns][resolver]") {
    Fixture f;
    Answer a = f.ask("alias.example.test", RrType::CNAME);
    REQUIRE(a.status == Status::Ok);
    CHECK(a.names == std::vector<std::string>{"mx1.example.test"});
    a = f.ask("Alias.example.test.", RrType::A);
    REQUIRE(a.status == Status::Ok);
    CHECK(a.addresses == std::vector<std::string>{"192.0.2.1"});
    CHECK(f.ask("alias.example.test", RrType::MX).status == Status::NoData);
}

TEST_CASE("zone file: CNAME chains, loops and dangling targets", "[dns][resolver]") {
    Fixture f("a.test. CNAME b.test.\nb.test. CNAME c.test.\nc.test. A 192.0.2.3\n"
              "loop1.test. CNAME loop2.test.\nloop2.test. CNAME loop1.test.\n"
              "dangling.test. CNAME nowhere.test.\n");
    Answer a = f.ask("a.test", RrType::A);
    REQUIRE(a.status == Status::Ok);
    CHECK(a.addresses == std::vector<std::string>{"192.0.2.3"});
    a = f.ask("loop1.test", RrType::A);
    CHECK(a.status == Status::TempFail);
    CHECK(a.error == "CNAME chain longer than 8");
    CHECK(f.ask("dangling.test", RrType::A).status == Status::NxDomain);
}

TEST_CASE("zone file: only the file answers, localhost included", "[dns][resolver]") {
    Fixture f;
    CHECK(f.ask("localhost", RrType::A).status == Status::NxDomain);
    CHECK(f.ask(reverse_name("127.0.0.1", "in-addr.arpa"), RrType::PTR).status == Status::NxDomain);
    Fixture g("localhost. A 192.0.2.99\n");
    Answer a = g.ask("localhost", RrType::A);
    REQUIRE(a.status == Status::Ok);
    CHECK(a.addresses == std::vector<std::string>{"192.0.2.99"});
}

TEST_CASE("DNSBL-style lookup: A then TXT under the list's zone", "[dns][resolver]") {
    Fixture f;
    const std::string name = reverse_name("127.0.0.2", "zen.test");
    CHECK(name == "2.0.0.127.zen.test");
    Answer a = f.ask(name, RrType::A);
    REQUIRE(a.status == Status::Ok);
    CHECK(a.addresses == std::vector<std::string>{"127.0.0.2"});
    a = f.ask(name, RrType::TXT);
    REQUIRE(a.status == Status::Ok);
    CHECK(a.txt == std::vector<std::string>{"Listed: see https://zen.test/q?127.0.0.2"});
    CHECK(f.ask(reverse_name("192.0.2.1", "zen.test"), RrType::A).status == Status::NxDomain);
}

TEST_CASE("destroying a Query cancels it: no callback", "[dns][resolver]") {
    Fixture f;
    bool cancelled_called = false;
    auto q = f.resolver->query("mx1.example.test", RrType::A, [&](const Answer&) { cancelled_called = true; });
    q.reset();
    // A second lookup runs to completion; by then the first answer has come back and been dropped.
    CHECK(f.ask("mx2.example.test", RrType::A).status == Status::Ok);
    CHECK(f.ask("mx1.example.test", RrType::A).status == Status::Ok);
    CHECK_FALSE(cancelled_called);
}

TEST_CASE("many lookups at once each get their own answer", "[dns][resolver]") {
    Fixture f;
    int answered = 0;
    bool all = false;
    std::vector<std::unique_ptr<Query>> queries;
    std::vector<std::string> got(20);
    for (int i = 0; i < 20; ++i) {
        const char* name = i % 2 ? "mx1.example.test" : "nowhere.example.test";
        queries.push_back(f.resolver->query(name, RrType::A, [&, i](const Answer& a) {
            got[i] = a.status == Status::Ok ? a.addresses.at(0) : "nx";
            all = ++answered == 20;
        }));
    }
    run_until(f.base.get(), all);
    REQUIRE(answered == 20);
    for (int i = 0; i < 20; ++i) CHECK(got[i] == (i % 2 ? "192.0.2.1" : "nx"));
}

TEST_CASE("a callback may destroy its own Query and the Resolver", "[dns][resolver]") {
    Fixture f;
    std::unique_ptr<Query> q;
    bool done = false;
    q = f.resolver->query("mx1.example.test", RrType::A, [&](const Answer& a) {
        CHECK(a.status == Status::Ok);
        q.reset();
        f.resolver.reset();
        done = true;
    });
    run_until(f.base.get(), done);
    CHECK(done);
    CHECK_FALSE(f.resolver);
}

TEST_CASE("destroying the Resolver cancels pending queries", "[dns][resolver]") {
    Fixture f;
    bool called = false;
    auto q = f.resolver->query("mx1.example.test", RrType::A, [&](const Answer&) { called = true; });
    f.resolver.reset();
    bool never = false;
    EventPtr t(evtimer_new(f.base.get(), [](evutil_socket_t, short, void* b) { *static_cast<bool*>(b) = true; }, &never));
    const timeval tenth{0, 100000};
    evtimer_add(t.get(), &tenth);
    run_until(f.base.get(), never);
    CHECK_FALSE(called);
    q.reset();  // after its Resolver: still fine
}

TEST_CASE("a malformed zone file stops create() with FILE:LINE", "[dns][resolver]") {
    test::TempDir dir;
    EventBasePtr base(event_base_new());
    Options o;
    o.zone_file = dir.write("bad.zone", "ok.test. A 192.0.2.1\nbad.test. A 192.0.2.300\n");
    auto r = Resolver::create(base.get(), o);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == o.zone_file + ":2: bad A address \"192.0.2.300\"");

    o.zone_file = dir.path() + "/missing.zone";
    r = Resolver::create(base.get(), o);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("missing.zone") != std::string::npos);
}

TEST_CASE("a bad forwarder stops create()", "[dns][resolver]") {
    EventBasePtr base(event_base_new());
    Options o;
    o.forwarder = "192.0.2.53, not-an-address";
    auto r = Resolver::create(base.get(), o);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "bad dns_forwarder address \"not-an-address\"");
}

namespace {

// A UDP socket on 127.0.0.1 that a test serves as a forwarder.
struct UdpServer {
    UniqueFd fd;
    int port = 0;
    UdpServer() {
        fd = UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin);
        socklen_t len = sizeof sin;
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sin), &len);
        port = ntohs(sin.sin_port);
    }
    std::string address() const { return "127.0.0.1@" + std::to_string(port); }
};

}  // namespace

TEST_CASE("dns_timeout: a silent forwarder gives TempFail", "[dns][resolver]") {
    UdpServer silent;
    EventBasePtr base(event_base_new());
    Options o;
    o.forwarder = silent.address();
    o.timeout = std::chrono::milliseconds(300);
    auto r = Resolver::create(base.get(), o);
    REQUIRE(r);
    Answer out;
    bool done = false;
    auto q = (*r)->query("mail.example.org", RrType::MX, [&](const Answer& a) {
        out = a;
        done = true;
    });
    run_until(base.get(), done);
    REQUIRE(done);
    CHECK(out.status == Status::TempFail);
    CHECK(out.error == "DNS lookup timed out after 300 ms");
}

namespace {

// Answers every query read on the socket with `rcode` and, for an A query,
// one A record 192.0.2.77 when rcode is 0.
void answer_queries(evutil_socket_t fd, short, void* arg) {
    const int rcode = *static_cast<int*>(arg);
    unsigned char buf[512];
    sockaddr_storage from{};
    socklen_t fromlen = sizeof from;
    const ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fromlen);
    if (n < 12) return;
    std::size_t p = 12;  // the question: name, type, class
    while (p < static_cast<std::size_t>(n) && buf[p] != 0) p += buf[p] + 1;
    p += 5;
    if (p > static_cast<std::size_t>(n)) return;
    std::string out(reinterpret_cast<char*>(buf), p);
    const std::uint16_t qtype = static_cast<std::uint16_t>(buf[p - 4] << 8 | buf[p - 3]);
    out[2] = static_cast<char>(0x80 | (buf[2] & 0x01));  // QR, keep RD
    out[3] = static_cast<char>(0x80 | rcode);            // RA
    out[4] = 0, out[5] = 1;                              // one question
    out[8] = out[9] = out[10] = out[11] = 0;             // no authority or additional (drops EDNS)
    out[6] = 0, out[7] = 0;
    if (rcode == 0 && qtype == 1) {
        out[7] = 1;
        const unsigned char rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 77};
        out.append(reinterpret_cast<const char*>(rr), sizeof rr);
    }
    ::sendto(fd, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), fromlen);
}

}  // namespace

namespace {

// A resolver forwarding to a UDP server on the test's loop that answers with rcode.
struct Forwarded {
    UdpServer server;
    EventBasePtr base{event_base_new()};
    int rcode = 0;
    EventPtr serve{event_new(base.get(), server.fd.get(), EV_READ | EV_PERSIST, answer_queries, &rcode)};
    std::unique_ptr<Resolver> resolver;

    Forwarded() {
        event_add(serve.get(), nullptr);
        Options o;
        o.forwarder = server.address();
        o.timeout = std::chrono::seconds(4);
        auto r = Resolver::create(base.get(), o);
        REQUIRE(r);
        resolver = std::move(*r);
    }
    Answer ask(const char* name, RrType type) {
        Answer out;
        bool done = false;
        auto q = resolver->query(name, type, [&](const Answer& a) {
            out = a;
            done = true;
        });
        CHECK_FALSE(done);  // answers, kept ones too, come from the loop, never inside query()
        run_until(base.get(), done);
        REQUIRE(done);
        return out;
    }
};

}  // namespace

TEST_CASE("a forwarder's answers and its SERVFAIL", "[dns][resolver]") {
    Forwarded f;
    Answer a = f.ask("host.example.org", RrType::A);
    CHECK(a.status == Status::Ok);
    CHECK(a.addresses == std::vector<std::string>{"192.0.2.77"});
    CHECK(f.ask("host.example.org", RrType::MX).status == Status::NoData);
    f.rcode = 2;
    a = f.ask("other.example.org", RrType::A);
    CHECK(a.status == Status::TempFail);
    CHECK(a.error == "SERVFAIL (rcode 2)");
}

TEST_CASE("reverse_name for IPv4 and IPv6", "[dns]") {
    CHECK(reverse_name("192.0.2.1", "zen.example") == "1.2.0.192.zen.example");
    CHECK(reverse_name("192.0.2.1", "in-addr.arpa") == "1.2.0.192.in-addr.arpa");
    CHECK(reverse_name("10.20.30.40", "") == "40.30.20.10");
    CHECK(reverse_name("2001:db8::1", "ip6.arpa") ==
          "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    CHECK(reverse_name("2001:DB8:0:0:0:0:0:ABCD", "zen.example") ==
          "d.c.b.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.example");
    CHECK(reverse_name("192.0.2.300", "zen.example").empty());
    CHECK(reverse_name("192.0.2", "zen.example").empty());
    CHECK(reverse_name("", "zen.example").empty());
    CHECK(reverse_name("fe80::1%eth0", "ip6.arpa").empty());
    CHECK(reverse_name("mail.example", "zen.example").empty());
}

TEST_CASE("Options::from_config reads the dns_ parameters", "[dns]") {
    auto cfg = config::Config::from_text(
        "dns_zone_file = /etc/tern/test.zone\n"
        "dns_forwarder = 192.0.2.53, 2001:db8::53@5353\n"
        "dnssec_trust_anchor_file = /usr/share/dns/root.key\n"
        "dns_timeout = 30s\n",
        "main.cf", "/nonexistent");
    REQUIRE(cfg);
    const Options o = Options::from_config(*cfg);
    CHECK(o.zone_file == "/etc/tern/test.zone");
    CHECK(o.forwarder == "192.0.2.53 2001:db8::53@5353");
    CHECK(o.trust_anchor_file == "/usr/share/dns/root.key");
    CHECK(o.timeout == std::chrono::seconds(30));
    auto defaults = config::Config::from_text("", "main.cf", "/nonexistent");
    REQUIRE(defaults);
    CHECK(Options::from_config(*defaults).timeout == std::chrono::seconds(10));
    CHECK(Options::from_config(*defaults).zone_file.empty());
}

TEST_CASE("a trust anchor file libunbound cannot load stops create()", "[dns][resolver]") {
    test::TempDir dir;
    EventBasePtr base(event_base_new());
    Options o;
    o.forwarder = "127.0.0.1";
    o.trust_anchor_file = dir.write("root.key", ". IN DS this is not a DS record\n");
    auto r = Resolver::create(base.get(), o);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "cannot set up libunbound (dnssec_trust_anchor_file " + o.trust_anchor_file + ")");
    o.trust_anchor_file = dir.write("root.key", ". 172800 IN DS 20326 8 2 "
                                                "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n");
    CHECK(Resolver::create(base.get(), o));
}

TEST_CASE("a name with only names below it", "[dns][resolver]") {
    Fixture f;
    CHECK(f.ask("zen.test", RrType::A).status == Status::NoData);
    CHECK(f.ask("0.127.zen.test", RrType::A).status == Status::NoData);
}

TEST_CASE("without resolv.conf the resolver still starts", "[dns][resolver]") {
    EventBasePtr base(event_base_new());
    Options o;
    o.resolv_conf = "/nonexistent/resolv.conf";
    CHECK(Resolver::create(base.get(), o));
}

TEST_CASE("DNSSEC: answers that cannot be validated are Bogus", "[dns][resolver]") {
    // The forwarder answers without signatures (and without the root's
    // DNSKEY) while the root trust anchor is configured.
    test::TempDir dir;
    UdpServer server;
    EventBasePtr base(event_base_new());
    int rcode = 0;
    EventPtr serve(event_new(base.get(), server.fd.get(), EV_READ | EV_PERSIST, answer_queries, &rcode));
    event_add(serve.get(), nullptr);
    Options o;
    o.forwarder = server.address();
    o.timeout = std::chrono::seconds(4);
    o.trust_anchor_file = dir.write("root.key", ". 172800 IN DS 20326 8 2 "
                                                "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n");
    auto r = Resolver::create(base.get(), o);
    REQUIRE(r);
    Answer out;
    bool done = false;
    auto q = (*r)->query("host.example.org", RrType::A, [&](const Answer& a) {
        out = a;
        done = true;
    });
    run_until(base.get(), done);
    REQUIRE(done);
    CHECK(out.status == Status::Bogus);
    CHECK_FALSE(out.secure);
    CHECK(out.error.find("validation failure <host.example.org. A IN>") == 0);
    CHECK(out.addresses.empty());
}

TEST_CASE("an answer asked again within its TTL is the same, and still comes from the loop", "[dns][resolver]") {
    Forwarded f;
    CHECK(f.ask("kept.example.org", RrType::A).status == Status::Ok);
    f.rcode = 2;  // the forwarder fails from now on: the record's 60 s have not passed
    const Answer kept = f.ask("Kept.Example.org.", RrType::A);
    CHECK(kept.status == Status::Ok);
    CHECK(kept.addresses == std::vector<std::string>{"192.0.2.77"});
    CHECK(f.ask("other.example.org", RrType::A).status == Status::TempFail);
}
