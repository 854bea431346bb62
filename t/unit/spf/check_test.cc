// check_host() end to end: dns::Resolver on a real event_base answering from
// t/unit/spf/test.zone, one table row per RFC 7208 rule (the comment cites
// the section and the result its text requires), then DNS trouble from a
// UDP server this test serves, cancellation, and the Received-SPF field.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "libmail/core/unique_fd.h"
#include "libmail/dns/resolver.h"
#include "libmail/event/event_ptrs.h"
#include "libmail/spf/check.h"
#include "t/unit/run_loop.h"

using namespace tern;
using namespace tern::spf;

namespace {

std::string srcdir() {
    if (const char* d = std::getenv("TERN_SRCDIR"); d && *d) return d;
    return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path().string();
}

using test::run_until;

struct Env {
    EventBasePtr base{event_base_new()};
    std::unique_ptr<dns::Resolver> resolver;

    explicit Env(const dns::Options& o) {
        auto r = dns::Resolver::create(base.get(), o);
        if (!r) FAIL(r.error().message);
        resolver = std::move(*r);
    }
    static dns::Options zone() {
        dns::Options o;
        o.zone_file = srcdir() + "/t/unit/spf/test.zone";
        return o;
    }

    Outcome run(const Request& req) {
        Outcome out;
        bool done = false;
        auto c = check(*resolver, req, [&](const Outcome& o) {
            CHECK_FALSE(done);  // once
            out = o;
            done = true;
        });
        CHECK_FALSE(done);  // never from inside check()
        run_until(base.get(), done);
        REQUIRE(done);
        return out;
    }
};

struct Row {
    const char* rfc;        // the section checked and what its text says
    const char* ip;
    const char* sender;
    spf::Result result;
    const char* mechanism;  // expected Outcome::mechanism; nullptr: not checked
    const char* helo = "mail.client.test";
};

constexpr spf::Result kNone = spf::Result::None, kNeutral = spf::Result::Neutral, kPass = spf::Result::Pass, kFail = spf::Result::Fail,
                 kSoft = spf::Result::SoftFail, kPerm = spf::Result::PermError;

const Row kRows[] = {
    // 5.1 "all" always matches; 4.6.2 qualifiers: + pass, - fail, ~ softfail, ? neutral
    {"5.1/4.6.2: +all -> pass", "192.0.2.1", "u@all-pass.spf.test", kPass, "+all"},
    {"4.6.2: no qualifier means + -> pass", "192.0.2.1", "u@all-bare.spf.test", kPass, "all"},
    {"4.6.2: -all -> fail", "192.0.2.1", "u@all-fail.spf.test", kFail, "-all"},
    {"4.6.2: ~all -> softfail", "192.0.2.1", "u@all-soft.spf.test", kSoft, "~all"},
    {"4.6.2: ?all -> neutral", "192.0.2.1", "u@all-neutral.spf.test", kNeutral, "?all"},
    {"4.7: nothing matches, no redirect -> neutral", "192.0.2.1", "u@empty.spf.test", kNeutral, ""},
    {"5.1: mechanisms after all are ignored -> fail", "192.0.2.1", "u@after-all.spf.test", kFail, "-all"},
    // 5.6 ip4 / ip6
    {"5.6: ip4 exact address -> pass", "192.0.2.1", "u@ip4.spf.test", kPass, "ip4:192.0.2.1"},
    {"5.6: ip4 /24 network -> pass", "198.51.100.77", "u@ip4.spf.test", kPass, "ip4:198.51.100.0/24"},
    {"5.6: ip4 outside the network -> fail", "198.51.101.1", "u@ip4.spf.test", kFail, "-all"},
    {"5.6: ip4 never matches an IPv6 client -> fail", "2001:db8::1", "u@ip4.spf.test", kFail, "-all"},
    {"5.6: an IPv4-mapped IPv6 client is IPv4 -> pass", "::ffff:192.0.2.1", "u@ip4.spf.test", kPass, "ip4:192.0.2.1"},
    {"5.6: ip6 exact address -> pass", "2001:db8::1", "u@ip6.spf.test", kPass, "ip6:2001:db8::1"},
    {"5.6: ip6 /48 network -> pass", "2001:db8:1:ffff::5", "u@ip6.spf.test", kPass, "ip6:2001:db8:1::/48"},
    {"5.6: ip6 outside the network -> fail", "2001:db8:2::1", "u@ip6.spf.test", kFail, "-all"},
    {"5.6: ip6 never matches an IPv4 client -> fail", "192.0.2.1", "u@ip6.spf.test", kFail, "-all"},
    {"5.6: ip4:0.0.0.0/0 matches any IPv4 -> pass", "203.0.113.9", "u@ip4-zero.spf.test", kPass, "ip4:0.0.0.0/0"},
    {"5.6: ip4:0.0.0.0/0 does not match IPv6 -> fail", "2001:db8::1", "u@ip4-zero.spf.test", kFail, "-all"},
    {"5.6: ip6:::/0 matches any IPv6 -> pass", "2001:db8::9", "u@ip6-zero.spf.test", kPass, "ip6:::/0"},
    // 5.3 a
    {"5.3: a, the A record of <domain> -> pass", "192.0.2.10", "u@a.spf.test", kPass, "a"},
    {"5.3: a, AAAA for an IPv6 client -> pass", "2001:db8::10", "u@a.spf.test", kPass, "a"},
    {"5.3: a, another address -> fail", "192.0.2.11", "u@a.spf.test", kFail, "-all"},
    {"5.3/5.6: a:host/24 -> pass", "192.0.2.250", "u@a-cidr.spf.test", kPass, "a:host.spf.test/24"},
    {"5.3/5.6: a:host/24, outside -> fail", "192.0.3.1", "u@a-cidr.spf.test", kFail, "-all"},
    {"5.6: dual-cidr /32 applies to IPv4 -> fail", "192.0.2.21", "u@a-dual.spf.test", kFail, "-all"},
    {"5.6: dual-cidr //64 applies to IPv6 -> pass", "2001:db8:2::ffff", "u@a-dual.spf.test", kPass,
     "a:host.spf.test/32//64"},
    {"5.6: dual-cidr //64, outside -> fail", "2001:db8:3::1", "u@a-dual.spf.test", kFail, "-all"},
    {"5 (RCODE 3 is no match): a on a missing name -> fail", "192.0.2.1", "u@a-nx.spf.test", kFail, "-all"},
    {"7.2: %{l} in a:, alice's host -> pass", "192.0.2.21", "alice@a-macro.spf.test", kPass, "a:%{l}.hosts.spf.test"},
    {"7.2: %{l} in a:, bob has none -> fail", "192.0.2.21", "bob@a-macro.spf.test", kFail, "-all"},
    // 5.4 mx
    {"5.4: mx, first MX host -> pass", "192.0.2.31", "u@mx.spf.test", kPass, "mx"},
    {"5.4: mx, second MX host -> pass", "192.0.2.32", "u@mx.spf.test", kPass, "mx"},
    {"5.4: mx, AAAA of an MX host -> pass", "2001:db8::32", "u@mx.spf.test", kPass, "mx"},
    {"5.4: mx, not an MX host -> fail", "192.0.2.33", "u@mx.spf.test", kFail, "-all"},
    {"5.4/5.6: mx/30 -> pass", "192.0.2.29", "u@mx-cidr.spf.test", kPass, "mx:mx.spf.test/30"},
    {"5.4/5.6: mx/30, outside -> fail", "192.0.2.36", "u@mx-cidr.spf.test", kFail, "-all"},
    {"5.4: a null MX names no host -> fail", "192.0.2.1", "u@mx-null.spf.test", kFail, "-all"},
    {"5.4: no MX records: no implicit MX, no match -> pass by ip4", "192.0.2.33", "u@mx-none.spf.test", kPass,
     "ip4:192.0.2.33"},
    {"4.6.4: exactly 10 MX names are looked at -> pass", "192.0.2.50", "u@mx-ten.spf.test", kPass, "mx"},
    {"4.6.4: more than 10 MX names -> permerror", "192.0.2.41", "u@mx-eleven.spf.test", kPerm, ""},
    // 5.5 ptr
    {"5.5: ptr, validated name under <domain> -> pass", "192.0.2.50", "u@ptr.spf.test", kPass, "ptr"},
    {"5.5: ptr, name whose A does not match is not validated -> fail", "192.0.2.51", "u@ptr.spf.test", kFail,
     "-all"},
    {"4.6.4/5.5: the 10th of 10 PTR names is validated -> pass", "192.0.2.52", "u@ptr.spf.test", kPass, "ptr"},
    {"5.5: no PTR record -> fail", "192.0.2.53", "u@ptr.spf.test", kFail, "-all"},
    {"5.5: ptr:other domain, validated name elsewhere -> fail", "192.0.2.50", "u@ptr-other.spf.test", kFail,
     "-all"},
    // 5.7 exists, macros (7) during evaluation
    {"5.7/7.3: exists:%{ir}.list -> pass", "192.0.2.60", "u@exists.spf.test", kPass,
     "exists:%{ir}.list.spf.test"},
    {"5.7: exists, no A record -> fail", "192.0.2.61", "u@exists.spf.test", kFail, "-all"},
    {"5.7: exists asks for A even for an IPv6 client; 7.3 %{i} in nibbles -> pass", "2001:db8::61",
     "u@exists6.spf.test", kPass, "exists:%{ir}.%{v}.list.spf.test"},
    {"5.7: exists for IPv6, no A record -> fail", "2001:db8::62", "u@exists6.spf.test", kFail, "-all"},
    {"7.3: %{l} local-part -> pass", "192.0.2.1", "alice@macro-l.spf.test", kPass, "exists:%{l}.users.%{d}"},
    {"7.3: %{l} another local-part -> fail", "192.0.2.1", "bob@macro-l.spf.test", kFail, "-all"},
    {"7.3: %{p} the validated name -> pass", "192.0.2.50", "u@macro-p.spf.test", kPass,
     "exists:%{p}.allowed.spf.test"},
    {"7.3: %{p} is \"unknown\" without a validated name -> fail", "192.0.2.51", "u@macro-p.spf.test", kFail,
     "-all"},
    {"7.4 example record: %{ir}.%{v}._spf.%{d2} -> pass", "192.0.2.3", "strong-bad@email.example.com", kPass,
     "exists:%{ir}.%{v}._spf.%{d2}"},
    {"7.4 example record: %{lr-}.lp.%{ir}.%{v}._spf.%{d2} -> pass", "192.0.2.4", "strong-bad@email.example.com",
     kPass, "exists:%{lr-}.lp.%{ir}.%{v}._spf.%{d2}"},
    {"7.4 example record: IPv6 -> pass", "2001:db8::cb01", "strong-bad@email.example.com", kPass,
     "exists:%{ir}.%{v}._spf.%{d2}"},
    {"7.4 example record: neither exists -> fail", "192.0.2.5", "strong-bad@email.example.com", kFail, "-all"},
    // 5.2 include
    {"5.2: include whose check passes matches -> pass", "192.0.2.70", "u@inc.spf.test", kPass,
     "include:inc-target.spf.test"},
    {"5.2: include whose check fails does not match -> fail by -all", "192.0.2.71", "u@inc.spf.test", kFail,
     "-all"},
    {"5.2: include of a domain without a record -> permerror", "192.0.2.1", "u@inc-none.spf.test", kPerm, ""},
    {"5.2: include of a broken record -> permerror", "192.0.2.1", "u@inc-perm.spf.test", kPerm, ""},
    {"5.2: include whose check is neutral does not match -> softfail by ~all", "192.0.2.1",
     "u@inc-neutral.spf.test", kSoft, "~all"},
    {"5.2/4.6.2: -include that matches -> fail", "192.0.2.1", "u@inc-qual.spf.test", kFail,
     "-include:all-pass.spf.test"},
    {"5.2/7.3: %{d} inside an include is the included domain -> pass", "192.0.2.1", "u@inc-macro.spf.test", kPass,
     "include:%{d}.inc.spf.test"},
    {"5.2: a non-matching include is passed over -> pass by the next", "192.0.2.70", "u@inc-twice.spf.test", kPass,
     "include:inc-target.spf.test"},
    // 6.1 redirect
    {"6.1: redirect= takes the target's result -> pass", "192.0.2.1", "u@redir.spf.test", kPass, "ip4:192.0.2.1"},
    {"6.1: redirect= takes the target's result -> fail", "192.0.2.5", "u@redir.spf.test", kFail, "-all"},
    {"5.1: with all in the record, redirect= is ignored -> neutral", "192.0.2.5", "u@redir-all.spf.test", kNeutral,
     "?all"},
    {"6.1: redirect to a domain without a record -> permerror", "192.0.2.1", "u@redir-none.spf.test", kPerm, ""},
    {"6.1: redirect only when nothing matched -> pass", "192.0.2.2", "u@redir-first.spf.test", kPass,
     "ip4:192.0.2.2"},
    {"6.1: redirect when nothing matched -> fail", "192.0.2.3", "u@redir-first.spf.test", kFail, "-all"},
    {"6.1: redirect to a broken record -> permerror", "192.0.2.1", "u@redir-bad.spf.test", kPerm, ""},
    // 4.5 record selection, 4.6 syntax
    {"4.6: a syntax error -> permerror", "192.0.2.1", "u@syntax-error.spf.test", kPerm, ""},
    {"4.5: two v=spf1 records -> permerror", "192.0.2.1", "u@multi.spf.test", kPerm, ""},
    {"4.5: other TXT records are discarded -> pass", "192.0.2.1", "u@multi-other.spf.test", kPass, "+all"},
    {"4.5: v=spf10 is not a record -> none", "192.0.2.1", "u@spf10.spf.test", kNone, ""},
    {"4.5: TXT without v=spf1 -> none", "192.0.2.1", "u@no-spf.spf.test", kNone, ""},
    {"4.4: the domain does not exist -> none", "192.0.2.1", "u@nx.spf.test", kNone, ""},
    {"3.3: a record's strings are joined without spaces -> pass", "192.0.2.1", "u@split.spf.test", kPass,
     "ip4:192.0.2.1"},
    {"4.6.1: names are case-insensitive -> pass", "192.0.2.1", "u@upper.spf.test", kPass, "IP4:192.0.2.1"},
    {"6: unknown modifiers are ignored -> pass", "192.0.2.1", "u@unknown-mod.spf.test", kPass, "ip4:192.0.2.1"},
    {"4.3: domain compared without regard to case -> pass", "192.0.2.1", "U@IP4.SPF.TEST", kPass,
     "ip4:192.0.2.1"},
    {"4.3: a sender without local-part is postmaster@domain -> pass", "192.0.2.1", "ip4.spf.test", kPass,
     "ip4:192.0.2.1"},
    {"4.3: a sender domain that is not a FQDN -> none", "192.0.2.1", "u@localhost", kNone, ""},
    // 4.6.4 limits
    {"4.6.4: exactly 10 DNS-querying terms -> pass", "192.0.2.80", "u@lim10.spf.test", kPass, "a:h10.spf.test"},
    {"4.6.4: an 11th DNS-querying term -> permerror", "192.0.2.81", "u@lim11.spf.test", kPerm, ""},
    {"4.6.4: the limit is hit only when evaluated -> pass", "192.0.2.80", "u@lim11.spf.test", kPass,
     "a:h10.spf.test"},
    {"4.6.4: ip4 and all do not count -> pass", "192.0.2.82", "u@lim-ip.spf.test", kPass, "ip4:192.0.2.82"},
    {"4.6.4: include and its terms count: 1+8+1 = 10 -> pass", "192.0.2.80", "u@lim-nest-ok.spf.test", kPass,
     "a:h10.spf.test"},
    {"4.6.4: 1+9+1 = 11 -> permerror", "192.0.2.80", "u@lim-nest-over.spf.test", kPerm, ""},
    {"4.6.4: %{p} counts as a lookup: 8 a + exists + %{p} = 10 -> pass", "192.0.2.50", "u@lim-p-ok.spf.test",
     kPass, "exists:%{p}.allowed.spf.test"},
    {"4.6.4: 9 a + exists + %{p} = 11 -> permerror", "192.0.2.50", "u@lim-p-over.spf.test", kPerm, ""},
    {"4.6.4: an include loop -> permerror", "192.0.2.1", "u@loop.spf.test", kPerm, ""},
    {"4.6.4: a redirect loop -> permerror", "192.0.2.1", "u@redir-loop.spf.test", kPerm, ""},
    {"4.6.4: 2 void lookups are allowed -> pass", "192.0.2.90", "u@void2.spf.test", kPass, "ip4:192.0.2.90"},
    {"4.6.4: a 3rd void lookup -> permerror", "192.0.2.90", "u@void3.spf.test", kPerm, ""},
    {"4.6.4: NODATA and NXDOMAIN for mx, exists, ptr all count -> permerror", "192.0.2.90",
     "u@void-kinds.spf.test", kPerm, ""},
    // 2.3/2.4 the HELO identity
    {"2.4: null sender checks HELO -> pass", "192.0.2.100", "", kPass, "ip4:192.0.2.100", "helo.spf.test"},
    {"2.4: null sender \"<>\" checks HELO -> fail", "192.0.2.101", "<>", kFail, "-all", "helo.spf.test"},
    {"2.4/4.3: the HELO check's local-part is postmaster -> pass", "192.0.2.1", "", kPass,
     "exists:%{l}.users.macro-l.spf.test", "helo-l.spf.test"},
    {"2.3: an address-literal HELO is not checked -> none", "192.0.2.100", "", kNone, "", "[192.0.2.100]"},
    {"2.3/4.3: a HELO that is not a FQDN -> none", "192.0.2.100", "", kNone, "", "localhost"},
    {"2.4: with a MAIL FROM the HELO is not what is checked -> fail", "192.0.2.100", "u@all-fail.spf.test", kFail,
     "-all", "helo.spf.test"},
};

}  // namespace

TEST_CASE("check_host() over the test zone, one row per RFC 7208 rule", "[spf][check]") {
    Env env(Env::zone());
    for (const Row& row : kRows) {
        INFO(row.rfc << ": ip " << row.ip << ", sender \"" << row.sender << "\", helo " << row.helo);
        const Outcome o = env.run({row.ip, row.sender, row.helo, "mx.receiver.test"});
        CHECK(result_name(o.result) == result_name(row.result));
        if (row.mechanism) CHECK(o.mechanism == row.mechanism);
        const bool error = row.result == kPerm || row.result == spf::Result::TempError;
        CHECK(o.problem.empty() == !error);
        CHECK(o.explanation.empty() == (row.result != kFail));
    }
}

TEST_CASE("what an outcome says: identity, domain, sender, problem", "[spf][check]") {
    Env env(Env::zone());
    Outcome o = env.run({"192.0.2.1", "User@IP4.spf.test", "mail.client.test", "mx.receiver.test"});
    CHECK(o.identity == "mailfrom");
    CHECK(o.domain == "IP4.spf.test");
    CHECK(o.sender == "User@IP4.spf.test");
    o = env.run({"192.0.2.100", "", "helo.spf.test", ""});
    CHECK(o.identity == "helo");
    CHECK(o.domain == "helo.spf.test");
    CHECK(o.sender == "postmaster@helo.spf.test");
    o = env.run({"192.0.2.1", "ip4.spf.test", "h.test", ""});
    CHECK(o.sender == "postmaster@ip4.spf.test");

    auto problem = [&](const char* sender, const char* ip = "192.0.2.1") {
        return env.run({ip, sender, "mail.client.test", ""}).problem;
    };
    CHECK(problem("u@syntax-error.spf.test") == "SPF record of syntax-error.spf.test: term 1 \"ip4:192.0.2.300\" "
                                                "(offset 7): bad IPv4 network \"192.0.2.300\"");
    CHECK(problem("u@multi.spf.test") == "multi.spf.test has 2 SPF records");
    CHECK(problem("u@inc-none.spf.test") == "include target no-record.spf.test has no SPF record");
    CHECK(problem("u@redir-none.spf.test") == "redirect target no-record.spf.test has no SPF record");
    CHECK(problem("u@lim11.spf.test", "192.0.2.81") == "more than 10 DNS-querying terms");
    CHECK(problem("u@void3.spf.test", "192.0.2.90") == "more than 2 void DNS lookups");
    CHECK(problem("u@mx-eleven.spf.test") == "mx-eleven.spf.test has more than 10 MX records");
    const Outcome bad = env.run({"not-an-ip", "u@ip4.spf.test", "h.test", ""});
    CHECK(bad.result == spf::Result::PermError);
    CHECK(bad.problem == "bad client address \"not-an-ip\"");
}

TEST_CASE("exp=: the explanation of a fail (RFC 7208 section 6.2)", "[spf][check]") {
    Env env(Env::zone());
    auto run = [&](const char* sender) { return env.run({"192.0.2.9", sender, "mail.client.test", "mx.r.test"}); };
    // 6.2: the TXT at exp='s target, macro-expanded (c, r, t allowed; upper case URL-escaped).
    Outcome o = run("u@exp-fail.spf.test");
    CHECK(o.result == spf::Result::Fail);
    CHECK(o.explanation ==
          "192.0.2.9 may not send for exp-fail.spf.test, see http://exp-fail.spf.test/why?s=u%40exp-fail.spf.test");
    CHECK(o.explanation_from_exp);
    // 6.2: no TXT, two TXT records, a syntax error: as if there were no exp= (the default).
    for (const char* s : {"u@exp-missing.spf.test", "u@exp-two.spf.test", "u@exp-badmacro.spf.test"}) {
        INFO(s);
        o = run(s);
        CHECK(o.result == spf::Result::Fail);
        CHECK(o.explanation == "192.0.2.9 is not allowed to send mail for " + std::string(s + 2));
        CHECK_FALSE(o.explanation_from_exp);
    }
    // 6.2: only a fail has an explanation.
    o = run("u@exp-soft.spf.test");
    CHECK(o.result == spf::Result::SoftFail);
    CHECK(o.explanation.empty());
    // 6.2: an included record's exp= is not used; the including record's is.
    o = run("u@exp-inc.spf.test");
    CHECK(o.result == spf::Result::Fail);
    CHECK(o.explanation == "outer explanation for 192.0.2.9");
    // 6.2: after redirect= the target's exp= is used, with <domain> the target.
    o = run("u@redir-exp.spf.test");
    CHECK(o.result == spf::Result::Fail);
    CHECK(o.explanation ==
          "192.0.2.9 may not send for redir-exp.spf.test, see http://exp-fail.spf.test/why?s=u%40redir-exp.spf.test");
}

namespace {

// A UDP DNS server on 127.0.0.1 that this test serves as the forwarder
// (names under example.net: libunbound answers .test itself, RFC 6761):
// TXT questions for names in txt_ get that record, everything else SERVFAIL
// (or no answer at all when silent).
struct DnsServer {
    UniqueFd fd;
    int port = 0;
    std::map<std::string, std::string> txt;
    bool silent = false;
    EventPtr ev;

    explicit DnsServer(event_base* base) {
        fd = UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin);
        socklen_t len = sizeof sin;
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sin), &len);
        port = ntohs(sin.sin_port);
        ev.reset(event_new(base, fd.get(), EV_READ | EV_PERSIST, &DnsServer::on_read, this));
        event_add(ev.get(), nullptr);
    }
    dns::Options options(int timeout_ms = 3000) const {
        dns::Options o;
        o.forwarder = "127.0.0.1@" + std::to_string(port);
        o.timeout = std::chrono::milliseconds(timeout_ms);
        return o;
    }

    static void on_read(evutil_socket_t fd, short, void* arg) {
        auto* self = static_cast<DnsServer*>(arg);
        unsigned char buf[512];
        sockaddr_storage from{};
        socklen_t fromlen = sizeof from;
        const ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fromlen);
        if (n < 12 || self->silent) return;
        std::size_t p = 12;
        std::string name;
        while (p < static_cast<std::size_t>(n) && buf[p] != 0) {
            if (!name.empty()) name += '.';
            name.append(reinterpret_cast<char*>(buf) + p + 1, std::min<std::size_t>(buf[p], n - p - 1));
            p += buf[p] + 1;
        }
        p += 5;
        if (p > static_cast<std::size_t>(n)) return;
        const int qtype = buf[p - 4] << 8 | buf[p - 3];
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const auto it = self->txt.find(name);
        const bool answer = qtype == 16 && it != self->txt.end();
        std::string out(reinterpret_cast<char*>(buf), p);
        out[2] = static_cast<char>(0x80 | (buf[2] & 0x01));
        out[3] = static_cast<char>(0x80 | (answer ? 0 : 2));
        out[4] = 0, out[5] = 1;
        out[6] = 0, out[7] = answer ? 1 : 0;
        out[8] = out[9] = out[10] = out[11] = 0;
        if (answer) {
            const std::string& t = it->second;
            const unsigned char rr[] = {0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, static_cast<unsigned char>(t.size() + 1),
                                        static_cast<unsigned char>(t.size())};
            out.append(reinterpret_cast<const char*>(rr), sizeof rr);
            out += t;
        }
        ::sendto(fd, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), fromlen);
    }
};

}  // namespace

TEST_CASE("DNS trouble is temperror (RFC 7208 sections 4.4 and 5)", "[spf][check]") {
    EventBasePtr base(event_base_new());
    DnsServer server(base.get());
    server.txt["a-broken.example.net"] = "v=spf1 a:broken.example.net -all";
    server.txt["mx-broken.example.net"] = "v=spf1 mx:broken.example.net -all";
    server.txt["inc-broken.example.net"] = "v=spf1 include:broken.example.net -all";
    server.txt["exists-broken.example.net"] = "v=spf1 exists:broken.example.net -all";
    server.txt["ptr-broken.example.net"] = "v=spf1 ptr -all";
    server.txt["exp-broken.example.net"] = "v=spf1 -all exp=broken.example.net";
    auto r = dns::Resolver::create(base.get(), server.options());
    REQUIRE(r);
    auto run = [&](const char* sender, const char* ip = "192.0.2.1") {
        Outcome out;
        bool done = false;
        auto c = check(**r, {ip, sender, "h.test", ""}, [&](const Outcome& o) {
            out = o;
            done = true;
        });
        run_until(base.get(), done);
        REQUIRE(done);
        return out;
    };
    // 4.4: SERVFAIL on the record lookup -> temperror.
    Outcome o = run("u@broken.example.net");
    CHECK(o.result == spf::Result::TempError);
    CHECK(o.problem == "DNS lookup of TXT broken.example.net failed: SERVFAIL (rcode 2)");
    // 5: SERVFAIL in a, mx, exists, and inside an include -> temperror.
    for (const char* s : {"u@a-broken.example.net", "u@mx-broken.example.net", "u@exists-broken.example.net", "u@inc-broken.example.net"}) {
        INFO(s);
        CHECK(run(s).result == spf::Result::TempError);
    }
    CHECK(run("u@a-broken.example.net").problem == "DNS lookup of A broken.example.net failed: SERVFAIL (rcode 2)");
    // 5.5: a PTR lookup error makes ptr not match -> fail, not temperror.
    // (1.2.3.4: libunbound answers 2.0.192.in-addr.arpa itself, RFC 6303.)
    CHECK(run("u@ptr-broken.example.net", "1.2.3.4").result == spf::Result::Fail);
    // 6.2: failing to get the explanation never changes the result.
    o = run("u@exp-broken.example.net");
    CHECK(o.result == spf::Result::Fail);
    CHECK(o.explanation == "192.0.2.1 is not allowed to send mail for exp-broken.example.net");
}

TEST_CASE("a lookup timeout is temperror", "[spf][check]") {
    EventBasePtr base(event_base_new());
    DnsServer server(base.get());
    server.silent = true;
    auto r = dns::Resolver::create(base.get(), server.options(300));
    REQUIRE(r);
    Outcome out;
    bool done = false;
    auto c = check(**r, {"192.0.2.1", "u@slow.example.net", "h.test", ""}, [&](const Outcome& o) {
        out = o;
        done = true;
    });
    run_until(base.get(), done);
    REQUIRE(done);
    CHECK(out.result == spf::Result::TempError);
    CHECK(out.problem == "DNS lookup of TXT slow.example.net failed: DNS lookup timed out after 300 ms");
}

TEST_CASE("destroying a Check cancels it; done may destroy it", "[spf][check]") {
    Env env(Env::zone());
    bool called = false;
    auto c = check(*env.resolver, {"192.0.2.80", "u@lim10.spf.test", "h.test", ""}, [&](const Outcome&) { called = true; });
    c.reset();
    // Also for a check that needs no DNS (an address-literal HELO).
    auto d = check(*env.resolver, {"192.0.2.1", "", "[192.0.2.1]", ""}, [&](const Outcome&) { called = true; });
    d.reset();
    CHECK(env.run({"192.0.2.1", "u@ip4.spf.test", "h.test", ""}).result == spf::Result::Pass);
    CHECK_FALSE(called);

    std::unique_ptr<Check> self;
    bool done = false;
    self = check(*env.resolver, {"192.0.2.10", "u@a.spf.test", "h.test", ""}, [&](const Outcome& o) {
        CHECK(o.result == spf::Result::Pass);
        self.reset();
        done = true;
    });
    run_until(env.base.get(), done);
    CHECK(done);
    CHECK_FALSE(self);
}

TEST_CASE("Received-SPF header field (RFC 7208 section 9.1)", "[spf][header]") {
    Env env(Env::zone());
    Request req{"192.0.2.1", "myname@ip4.spf.test", "foo.client.test", "mybox.example.org"};
    Outcome o = env.run(req);
    CHECK(received_spf_header(o, req) ==
          "Received-SPF: pass (mybox.example.org: domain of myname@ip4.spf.test\n"
          " designates 192.0.2.1 as permitted sender) receiver=mybox.example.org;\n"
          " client-ip=192.0.2.1; envelope-from=\"myname@ip4.spf.test\";\n"
          " helo=foo.client.test; identity=mailfrom; mechanism=\"ip4:192.0.2.1\"\n");

    req = {"2001:db8::5", "", "helo.spf.test", "mybox.example.org"};
    o = env.run(req);
    CHECK(received_spf_header(o, req) ==
          "Received-SPF: fail (mybox.example.org: domain of postmaster@helo.spf.test does\n"
          " not designate 2001:db8::5 as permitted sender) receiver=mybox.example.org;\n"
          " client-ip=\"2001:db8::5\"; envelope-from=\"postmaster@helo.spf.test\";\n"
          " helo=helo.spf.test; identity=helo; mechanism=-all\n");

    req = {"192.0.2.1", "u@multi.spf.test", "[192.0.2.1]", ""};
    o = env.run(req);
    CHECK(received_spf_header(o, req) ==
          "Received-SPF: permerror (unknown: permanent error in the SPF record of the\n"
          " domain of u@multi.spf.test) receiver=unknown; client-ip=192.0.2.1;\n"
          " envelope-from=\"u@multi.spf.test\"; helo=\"[192.0.2.1]\"; identity=mailfrom;\n"
          " problem=\"multi.spf.test has 2 SPF records\"\n");

    // Peer text cannot break out of the field: quotes and controls are neutralised.
    Outcome evil;
    evil.result = spf::Result::None;
    evil.identity = "mailfrom";
    evil.sender = "a\"b\r\nX-Injected: (yes)@x.test";
    const std::string h = received_spf_header(evil, {"192.0.2.1", evil.sender, "h\nx", "r.test"});
    CHECK(h.find("\r") == std::string::npos);
    CHECK(h.find("\nX-Injected") == std::string::npos);
    CHECK(h.find("envelope-from=\"a\\\"b??X-Injected: (yes)@x.test\"") != std::string::npos);
    CHECK(h.find("a\"b??X-Injected: \\(yes\\)@x.test") != std::string::npos);
    for (std::size_t start = 0, nl; (nl = h.find('\n', start)) != std::string::npos; start = nl + 1)
        CHECK(nl - start <= 78);
    CHECK(h.back() == '\n');
}
