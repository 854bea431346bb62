// The restriction lists as a client sees them: each case is a dialogue with
// a real Session and the exact reply. The open relay battery of issue #3 is
// here: from outside mynetworks every disguise of a remote destination is
// refused with 554 5.7.1, with a remote and with a local sender.
#include <catch2/catch.hpp>

#include <string>

#include "t/unit/smtpd/harness.h"

using namespace tern;
using namespace tern::test;

namespace {

const char* kOutside = "203.0.113.9";
const char* kInside = "127.0.0.1";

// The reply to one RCPT after EHLO and MAIL.
std::string rcpt_reply(Harness& h, const std::string& rcpt, const std::string& sender = "someone@remote.test",
                       const char* ip = kOutside, const std::string& helo = "client.remote.test") {
    const std::string out =
        h.talk("EHLO " + helo + "\r\nMAIL FROM:<" + sender + ">\r\nRCPT TO:" + rcpt + "\r\nQUIT\r\n", true, ip);
    const auto start = out.find("250 2.1.0 Ok\r\n");
    REQUIRE(start != std::string::npos);
    const std::string rest = out.substr(start + 14);
    return rest.substr(0, rest.find("\r\n"));
}

}  // namespace

TEST_CASE("open relay battery: every disguise is refused from outside mynetworks", "[smtpd][restrictions]") {
    Harness h;
    for (const std::string sender : {"someone@remote.test", "alice@example.test"}) {
        for (const char* rcpt : {"<user@remote.test>", "<user%remote.test@example.test>",
                                 "<\"user@remote.test\"@example.test>", "<@example.test:user@remote.test>",
                                 "<remote.test!user@example.test>", "<user@remote.test@example.test>",
                                 "<user%remote.test@[127.0.0.1]>", "<alice@example.test.remote.test>"}) {
            INFO(sender << " -> " << rcpt);
            const std::string r = rcpt_reply(h, rcpt, sender);
            CHECK(r.rfind("554 5.7.1 <", 0) == 0);
            CHECK(r.find(">: Relay access denied") != std::string::npos);
        }
    }
    CHECK(h.queued().empty());
    CHECK(h.maillog().find("NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 <user@remote.test>: "
                           "Relay access denied; from=<someone@remote.test> to=<user@remote.test> proto=ESMTP "
                           "helo=<client.remote.test>") != std::string::npos);
}

TEST_CASE("local mail is accepted from anywhere; mynetworks may relay", "[smtpd][restrictions]") {
    Harness h;
    CHECK(rcpt_reply(h, "<alice@example.test>") == "250 2.1.5 Ok");
    CHECK(rcpt_reply(h, "<postmaster@mx.example.test>") == "250 2.1.5 Ok");
    CHECK(rcpt_reply(h, "<Postmaster>") == "250 2.1.5 Ok");
    CHECK(rcpt_reply(h, "<carol@example.test>") ==
          "550 5.1.1 <carol@example.test>: Recipient address rejected: User unknown in virtual mailbox table");
    CHECK(rcpt_reply(h, "<user@remote.test>", "x@y.test", kInside) == "250 2.1.5 Ok");
    // Sender-specified routing is relaying too, but trusted clients may relay.
    CHECK(rcpt_reply(h, "<user%remote.test@example.test>", "x@y.test", kInside).rfind("550 5.1.1", 0) == 0);
}

TEST_CASE("allow_untrusted_routing lets routed local parts through to local lookup", "[smtpd][restrictions]") {
    Harness h({}, "allow_untrusted_routing = yes\n");
    CHECK(rcpt_reply(h, "<user%remote.test@example.test>").rfind("550 5.1.1", 0) == 0);
    CHECK(rcpt_reply(h, "<user@remote.test>") == "554 5.7.1 <user@remote.test>: Relay access denied");
}

TEST_CASE("access tables for client, HELO, sender and recipient", "[smtpd][restrictions]") {
    TempDir tables;
    const std::string access = tables.write("access",
                                            "203.0.113.66 REJECT go away\n"
                                            "bad.helo.test REJECT\n"
                                            "spammer.test 550 5.7.0 we know you\n"
                                            "later@remote.test DEFER try later\n"
                                            "friend@remote.test OK\n"
                                            "blocked@ REJECT\n"
                                            "odd@remote.test FROBNICATE\n");
    Harness h({}, "smtpd_client_restrictions = check_client_access texthash:" + access +
                      "\nsmtpd_helo_restrictions = check_helo_access texthash:" + access +
                      "\nsmtpd_sender_restrictions = check_sender_access texthash:" + access +
                      "\nsmtpd_recipient_restrictions = check_recipient_access texthash:" + access + "\n");
    CHECK(rcpt_reply(h, "<alice@example.test>", "x@remote.test", "203.0.113.66") ==
          "554 5.7.1 <unknown[203.0.113.66]>: Client host rejected: go away");
    CHECK(rcpt_reply(h, "<alice@example.test>", "x@remote.test", kOutside, "mx.bad.helo.test") ==
          "554 5.7.1 <mx.bad.helo.test>: Helo command rejected: Access denied");
    CHECK(rcpt_reply(h, "<alice@example.test>", "x@sub.spammer.test") ==
          "550 5.7.0 <x@sub.spammer.test>: Sender address rejected: we know you");
    CHECK(rcpt_reply(h, "<alice@example.test>", "later@remote.test") ==
          "450 4.7.1 <later@remote.test>: Sender address rejected: try later");
    CHECK(rcpt_reply(h, "<alice@example.test>", "blocked@remote.test") ==
          "554 5.7.1 <blocked@remote.test>: Sender address rejected: Access denied");
    CHECK(rcpt_reply(h, "<alice@example.test>", "odd@remote.test") == "451 4.3.5 Server configuration error");
    // OK ends the sender list only: relay control still applies after it.
    CHECK(rcpt_reply(h, "<alice@example.test>", "friend@remote.test") == "250 2.1.5 Ok");
    CHECK(rcpt_reply(h, "<x@remote.test>", "friend@remote.test") == "554 5.7.1 <x@remote.test>: Relay access denied");
}

TEST_CASE("non-FQDN and invalid HELO, non-FQDN sender and recipient", "[smtpd][restrictions]") {
    Harness h({}, "smtpd_helo_restrictions = reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname\n"
                  "smtpd_sender_restrictions = reject_non_fqdn_sender\n"
                  "smtpd_recipient_restrictions = reject_non_fqdn_recipient\n");
    CHECK(rcpt_reply(h, "<alice@example.test>", "x@remote.test", kOutside, "bad_name!") ==
          "501 5.5.2 <bad_name!>: Helo command rejected: Invalid name");
    CHECK(rcpt_reply(h, "<alice@example.test>", "x@remote.test", kOutside, "localbox") ==
          "504 5.5.2 <localbox>: Helo command rejected: need fully-qualified hostname");
    CHECK(rcpt_reply(h, "<alice@example.test>", "x@remote.test", kOutside, "[192.0.2.1]") == "250 2.1.5 Ok");
    CHECK(rcpt_reply(h, "<alice@example.test>", "x@remotebox") ==
          "504 5.5.2 <x@remotebox>: Sender address rejected: need fully-qualified address");
    CHECK(rcpt_reply(h, "<alice@example.test>", "") == "250 2.1.5 Ok");  // the null sender is fine
}

TEST_CASE("reject_sender_login_mismatch: users send only as addresses they own", "[smtpd][restrictions]") {
    TempDir tables;
    const std::string owners = tables.write("owners", "alice@example.test alice@example.test\n"
                                                      "sales@example.test alice@example.test, bob@example.test\n");
    Harness h({}, "smtpd_sender_login_maps = texthash:" + owners +
                      "\nsmtpd_sender_restrictions = reject_sender_login_mismatch\n");
    // Not logged in: an owned address may not be used at all.
    CHECK(rcpt_reply(h, "<bob@example.test>", "alice@example.test") ==
          "553 5.7.1 <alice@example.test>: Sender address rejected: not logged in");
    // An address nobody owns is not this restriction's business.
    CHECK(rcpt_reply(h, "<bob@example.test>", "x@remote.test") == "250 2.1.5 Ok");
}

TEST_CASE("a restriction list with an unknown word is a configuration error naming it", "[smtpd][restrictions]") {
    auto cfg = config::Config::from_text("smtpd_recipient_restrictions = permit_mynetworks, reject_everything\n",
                                         "main.cf", "/nonexistent");
    REQUIRE(cfg);
    auto r = smtpd::Restrictions::load(*cfg);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "smtpd_recipient_restrictions: unknown restriction \"reject_everything\"");
    cfg = config::Config::from_text("smtpd_client_restrictions = check_client_access\n", "main.cf", "/nonexistent");
    REQUIRE(cfg);
    r = smtpd::Restrictions::load(*cfg);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "smtpd_client_restrictions: check_client_access needs an argument");
    cfg = config::Config::from_text("smtpd_data_restrictions = reject_rbl_client zen.test\n", "main.cf", "/nonexistent");
    REQUIRE(cfg);
    r = smtpd::Restrictions::load(*cfg);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("cannot be used here") != std::string::npos);
}

TEST_CASE("access table keys follow access(5)", "[smtpd][restrictions]") {
    auto p = smtp::parse_path("<Joe@Mail.Example.ORG>", smtp::PathRole::Sender);
    REQUIRE(p);
    CHECK(smtpd::address_keys(p->path, "<>") ==
          std::vector<std::string>{"joe@mail.example.org", "mail.example.org", "example.org", "org", "joe@"});
    auto null = smtp::parse_path("<>", smtp::PathRole::Sender);
    REQUIRE(null);
    CHECK(smtpd::address_keys(null->path, "<>") == std::vector<std::string>{"<>"});
    CHECK(smtpd::client_keys("192.0.2.1") == std::vector<std::string>{"192.0.2.1", "192.0.2", "192.0", "192"});
    CHECK(smtpd::client_keys("2001:db8::1") == std::vector<std::string>{"2001:db8::1", "2001:db8", "2001"});
}

TEST_CASE("reject_rbl_client: a listed client is refused with the listing's TXT", "[smtpd][restrictions][dns]") {
    TempDir zone;
    const std::string file = zone.write("zone",
                                        "$ORIGIN zen.test.\n"
                                        "2.0.0.127 A 127.0.0.2\n"
                                        "2.0.0.127 TXT \"https://zen.test/query/ip/127.0.0.2\"\n"
                                        "3.0.0.127 A 127.0.0.10\n");
    Harness h({}, "dns_zone_file = " + file + "\nsmtpd_client_restrictions = reject_rbl_client zen.test\n");
    CHECK(rcpt_reply(h, "<alice@example.test>", "x@remote.test", "127.0.0.2") ==
          "554 5.7.1 Service unavailable; Client host [127.0.0.2] blocked using zen.test; "
          "https://zen.test/query/ip/127.0.0.2");
    CHECK(rcpt_reply(h, "<alice@example.test>", "x@remote.test", "203.0.113.9") == "250 2.1.5 Ok");
    CHECK(h.maillog().find("NOQUEUE: reject: RCPT from unknown[127.0.0.2]: 554 5.7.1 Service unavailable") !=
          std::string::npos);

    // zone=FILTER: only that answer counts as a listing.
    Harness filtered({}, "dns_zone_file = " + file +
                             "\nsmtpd_client_restrictions = reject_rbl_client zen.test=127.0.0.10\n");
    CHECK(rcpt_reply(filtered, "<alice@example.test>", "x@remote.test", "127.0.0.2") == "250 2.1.5 Ok");
    CHECK(rcpt_reply(filtered, "<alice@example.test>", "x@remote.test", "127.0.0.3") ==
          "554 5.7.1 Service unavailable; Client host [127.0.0.3] blocked using zen.test");
}

TEST_CASE("reject_unknown_recipient_domain asks DNS for MX, then A/AAAA", "[smtpd][restrictions][dns]") {
    TempDir zone;
    const std::string file = zone.write("zone",
                                        "mx.test. MX 10 mail.mx.test.\n"
                                        "mail.mx.test. A 192.0.2.25\n"
                                        "aonly.test. A 192.0.2.26\n"
                                        "nullmx.test. MX 0 .\n"
                                        "txtonly.test. TXT \"no mail here\"\n");
    Harness h({}, "dns_zone_file = " + file +
                      "\nsmtpd_recipient_restrictions = permit_mynetworks, reject_unknown_recipient_domain\n");
    // From a trusted client, so relay control lets the remote domains through to this check.
    CHECK(rcpt_reply(h, "<u@mx.test>", "x@y.test", "127.0.0.1") == "250 2.1.5 Ok");
    CHECK(rcpt_reply(h, "<u@aonly.test>", "x@y.test", "127.0.0.1") == "250 2.1.5 Ok");
    Harness strict({}, "dns_zone_file = " + file +
                           "\nsmtpd_relay_restrictions = reject_unknown_recipient_domain, permit_mynetworks, "
                           "reject_unauth_destination\n");
    CHECK(rcpt_reply(strict, "<u@nowhere.test>", "x@y.test", "127.0.0.1") ==
          "450 4.1.2 <u@nowhere.test>: Recipient address rejected: Domain not found");
    CHECK(rcpt_reply(strict, "<u@txtonly.test>", "x@y.test", "127.0.0.1") ==
          "450 4.1.2 <u@txtonly.test>: Recipient address rejected: Domain not found");
    CHECK(rcpt_reply(strict, "<u@nullmx.test>", "x@y.test", "127.0.0.1") ==
          "550 5.1.10 <u@nullmx.test>: Domain does not accept mail (null MX)");
    CHECK(rcpt_reply(strict, "<u@mx.test>", "x@y.test", "127.0.0.1") == "250 2.1.5 Ok");
    CHECK(rcpt_reply(strict, "<alice@example.test>") == "250 2.1.5 Ok");  // our own domains need no DNS
}

TEST_CASE("reject_unknown_client_hostname and reject_unknown_reverse_client_hostname", "[smtpd][restrictions][dns]") {
    TempDir zone;
    const std::string file = zone.write("zone",
                                        "7.2.0.192.in-addr.arpa. PTR good.remote.test.\n"
                                        "good.remote.test. A 192.0.2.7\n"
                                        "8.2.0.192.in-addr.arpa. PTR liar.remote.test.\n"
                                        "liar.remote.test. A 192.0.2.99\n"
                                        "6.2.0.192.in-addr.arpa. PTR 192.0.2.6.\n");
    auto lookup = [](smtpd::Settings& s) { s.peername_lookup = true; };
    Harness h(lookup, "dns_zone_file = " + file + "\nsmtpd_client_restrictions = reject_unknown_client_hostname\n");
    CHECK(rcpt_reply(h, "<alice@example.test>", "x@remote.test", "192.0.2.7") == "250 2.1.5 Ok");
    // A PTR whose name does not resolve back, no PTR, a numeric PTR: not a verified name.
    for (const char* ip : {"192.0.2.8", "192.0.2.9", "192.0.2.6"})
        CHECK(rcpt_reply(h, "<alice@example.test>", "x@remote.test", ip) ==
              "450 4.7.25 Client host rejected: cannot find your hostname, [" + std::string(ip) + "]");
    CHECK(h.maillog().find("connect from good.remote.test[192.0.2.7]") != std::string::npos);
    CHECK(h.maillog().find("connect from unknown[192.0.2.8]") != std::string::npos);
    CHECK(h.maillog().find("NOQUEUE: reject: RCPT from unknown[192.0.2.8]: 450 4.7.25 Client host rejected") !=
          std::string::npos);

    Harness reverse(lookup, "dns_zone_file = " + file +
                                "\nsmtpd_client_restrictions = reject_unknown_reverse_client_hostname\n"
                                "unknown_client_reject_code = 550\n");
    CHECK(rcpt_reply(reverse, "<alice@example.test>", "x@remote.test", "192.0.2.8") == "250 2.1.5 Ok");
    CHECK(rcpt_reply(reverse, "<alice@example.test>", "x@remote.test", "192.0.2.9") ==
          "550 5.7.25 Client host rejected: cannot find your reverse hostname, [192.0.2.9]");

    // A DNS failure is temporary whatever unknown_client_reject_code says: a
    // forwarder on a port nobody listens on.
    Harness broken(lookup, "dns_forwarder = 127.0.0.1@9\ndns_timeout = 3s\n"
                           "smtpd_client_restrictions = reject_unknown_client_hostname\n"
                           "unknown_client_reject_code = 550\n");
    // (Not a TEST-NET address: libunbound answers those itself, as local zones.)
    CHECK(rcpt_reply(broken, "<alice@example.test>", "x@remote.test", "192.0.3.7") ==
          "450 4.7.25 Client host rejected: cannot find your hostname, [192.0.3.7]");
}

TEST_CASE("the verified client name goes into Received and the queue file", "[smtpd][dns]") {
    TempDir zone;
    const std::string file = zone.write("zone",
                                        "7.2.0.192.in-addr.arpa. PTR good.remote.test.\n"
                                        "good.remote.test. A 192.0.2.7\n");
    Harness h([](smtpd::Settings& s) { s.peername_lookup = true; }, "dns_zone_file = " + file + "\n");
    const std::string out = h.talk("EHLO c.remote.test\r\nMAIL FROM:<x@remote.test>\r\nRCPT TO:<alice@example.test>\r\n"
                                   "DATA\r\nSubject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n",
                                   true, "192.0.2.7");
    REQUIRE(out.find("250 2.0.0 Ok: queued as") != std::string::npos);
    REQUIRE(h.queued().size() == 1);
    auto qf = queue::read_queue_file(h.queued().front());
    REQUIRE(qf);
    REQUIRE(qf->env.attr("client_name"));
    CHECK(*qf->env.attr("client_name") == "good.remote.test");
    auto text = read_file(h.queued().front(), 1 << 20);
    REQUIRE(text);
    CHECK(text->find("Received: from c.remote.test (good.remote.test [192.0.2.7])") != std::string::npos);
}
