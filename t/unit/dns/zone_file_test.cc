// The RFC 1035 master-file parser behind dns_zone_file: every supported form
// gives the record libunbound is then handed (to_text), every error names
// FILE:LINE.
#include <catch2/catch.hpp>

#include "libmail/dns/zone_file.h"
#include "t/unit/temp_dir.h"

using namespace tern;
using namespace tern::dns;

namespace {

std::vector<std::string> texts(std::string_view zone) {
    auto r = parse_zone_text(zone, "t.zone");
    if (!r) FAIL(r.error().message);
    std::vector<std::string> out;
    for (const ZoneRecord& rec : *r) out.push_back(rec.to_text());
    return out;
}

std::string error_of(std::string_view zone) {
    auto r = parse_zone_text(zone, "t.zone");
    return r ? std::string("(parsed)") : r.error().message;
}

}  // namespace

TEST_CASE("zone file: names, origin, owners and TTLs", "[dns][zone]") {
    const auto got = texts(
        "; a comment line\n"
        "\n"
        "$ORIGIN Example.TEST.\n"
        "$TTL 1h\n"
        "@            A     192.0.2.1   ; the apex\n"
        "www  600 IN  A     192.0.2.2\n"
        "     IN  600 AAAA  2001:DB8:0:0::1\n"   // owner omitted: the previous one; class then TTL
        "mail.other.test. in a 192.0.2.3\n"       // absolute name, class and type in lower case
        "$ORIGIN sub\n"                             // relative to the current origin
        "x            A     192.0.2.4\n"
        "$TTL 86400\n"
        "y   1w2d3h4m5s  A  192.0.2.5\n"
        "z            A     192.0.2.6\n");
    CHECK(got == std::vector<std::string>{
                     "example.test. 3600 IN A 192.0.2.1",
                     "www.example.test. 600 IN A 192.0.2.2",
                     "www.example.test. 600 IN AAAA 2001:db8::1",
                     "mail.other.test. 3600 IN A 192.0.2.3",
                     "x.sub.example.test. 3600 IN A 192.0.2.4",
                     "y.sub.example.test. 788645 IN A 192.0.2.5",
                     "z.sub.example.test. 86400 IN A 192.0.2.6",
                 });
}

TEST_CASE("zone file: without $TTL, the last explicit TTL, else 3600", "[dns][zone]") {
    CHECK(texts("a.test. A 192.0.2.1\nb.test. 60 A 192.0.2.2\nc.test. A 192.0.2.3\n") ==
          std::vector<std::string>{"a.test. 3600 IN A 192.0.2.1", "b.test. 60 IN A 192.0.2.2",
                                   "c.test. 60 IN A 192.0.2.3"});
    // Without $ORIGIN the origin is the root.
    CHECK(texts("host A 192.0.2.1") == std::vector<std::string>{"host. 3600 IN A 192.0.2.1"});
}

TEST_CASE("zone file: every supported type in canonical form", "[dns][zone]") {
    const auto got = texts(
        "$ORIGIN example.test.\r\n"                 // CRLF line ends
        "@       MX    10 mail\r\n"
        "@       MX    0 .\r\n"                      // null MX (RFC 7505)
        "@       NS    ns1.example.test.\r\n"
        "www     CNAME host.other.test.\r\n"
        "1.2.0.192.in-addr.arpa. PTR mail\r\n"
        "@       TXT   \"v=spf1 -all\"\r\n"
        "txt     TXT   \"a \\\"quoted\\\" \\\\ word\" unquoted \"\\065\\000\\255\" \"\"\r\n"
        "@       SOA   ns1 hostmaster.example.test. ( 2024010101 ; serial\r\n"
        "                2h 1h 2w 300 )\r\n"
        "_25._tcp.mail TLSA 3 1 1 ( 0123456789ABCDEF\r\n"
        "                           0123456789abcdef )\r\n"
        "_imaps._tcp SRV 0 1 993 mail\r\n");
    CHECK(got == std::vector<std::string>{
                     "example.test. 3600 IN MX 10 mail.example.test.",
                     "example.test. 3600 IN MX 0 .",
                     "example.test. 3600 IN NS ns1.example.test.",
                     "www.example.test. 3600 IN CNAME host.other.test.",
                     "1.2.0.192.in-addr.arpa. 3600 IN PTR mail.example.test.",
                     "example.test. 3600 IN TXT \"v=spf1 -all\"",
                     "txt.example.test. 3600 IN TXT \"a \\\"quoted\\\" \\\\ word\" \"unquoted\" \"A\\000\\255\" \"\"",
                     "example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 2024010101 7200 "
                     "3600 1209600 300",
                     "_25._tcp.mail.example.test. 3600 IN TLSA 3 1 1 0123456789abcdef0123456789abcdef",
                     "_imaps._tcp.example.test. 3600 IN SRV 0 1 993 mail.example.test.",
                 });
}

TEST_CASE("zone file: records keep their line and type", "[dns][zone]") {
    auto r = parse_zone_text("$TTL 5\n\na.test. (\n A\n 192.0.2.1 )\n  TXT x\n", "t.zone");
    REQUIRE(r);
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].line == 3);
    CHECK((*r)[0].type == RrType::A);
    CHECK((*r)[0].ttl == 5);
    CHECK((*r)[1].line == 6);
    CHECK((*r)[1].owner == "a.test.");
    CHECK((*r)[1].rdata == "\"x\"");
    CHECK(type_name(RrType::TLSA) == "TLSA");
    CHECK(type_name(static_cast<RrType>(99)) == "TYPE99");
    CHECK(texts("").empty());
    CHECK(texts("; nothing\n   \n\t; but comments\n").empty());
}

TEST_CASE("zone file: errors name the file and line", "[dns][zone]") {
    struct Case {
        std::string zone;
        std::string error;
    };
    const std::string long_label(64, 'a');
    const std::string long_name = std::string(60, 'a') + "." + std::string(60, 'b') + "." + std::string(60, 'c') + "." +
                                  std::string(60, 'd') + "." + std::string(60, 'e') + ".";
    auto c = GENERATE_COPY(values<Case>({
        {"a.test. A 192.0.2.1\n\"quoted\". A 192.0.2.1\n", "t.zone:2: quoted name \"quoted\""},
        {"ok. A 192.0.2.1\n( a.test. A 192.0.2.1 ( )\n )\n", "t.zone:2: nested parentheses"},
        {"a.test. A 192.0.2.1 )\n", "t.zone:1: \")\" without \"(\""},
        {"\n\na.test. A ( 192.0.2.1\n", "t.zone:3: \"(\" without \")\""},
        {"a.test. TXT \"open\n", "t.zone:1: unterminated quoted string"},
        {"a.test. TXT \"ends in backslash\\\n\"", "t.zone:1: unterminated quoted string"},
        {"a.test. TXT x\\\n", "t.zone:1: backslash at end of line"},
        {"\n" + std::string(70000, 'x') + "\n", "t.zone:2: line too long"},
        {"$ORIGIN\n", "t.zone:1: $ORIGIN takes one name"},
        {"$ORIGIN a. b.\n", "t.zone:1: $ORIGIN takes one name"},
        {"$ORIGIN a..b.\n", "t.zone:1: empty label in name \"a..b.\""},
        {"$TTL\n", "t.zone:1: $TTL takes one value"},
        {"$TTL 1x\n", "t.zone:1: bad TTL \"1x\""},
        {"$TTL 2147483648\n", "t.zone:1: bad TTL \"2147483648\""},
        {"$INCLUDE other.zone\n", "t.zone:1: $INCLUDE is not supported"},
        {"$GENERATE 1-10 a$ A 192.0.2.$\n", "t.zone:1: $GENERATE is not supported"},
        {"$FOO bar\n", "t.zone:1: unknown directive \"$FOO\""},
        {"  A 192.0.2.1\n", "t.zone:1: no owner name (the first record must name one)"},
        {"a.test. CH A 192.0.2.1\n", "t.zone:1: class CH is not supported (only IN)"},
        {"a.test. 300 IN\n", "t.zone:1: missing record type"},
        {"a.test. HINFO x y\n", "t.zone:1: unknown record type \"HINFO\""},
        {"a.test. 1h1 A 192.0.2.1\n", "t.zone:1: bad TTL \"1h1\""},
        {long_label + ".test. A 192.0.2.1\n", "t.zone:1: label longer than 63 octets in name \"" + long_label + ".test.\""},
        {long_name + " A 192.0.2.1\n", "t.zone:1: name longer than 255 octets: \"" + long_name.substr(0, 80) + "...\""},
        {"a.te$t. A 192.0.2.1\n", "t.zone:1: bad character in name \"a.te$t.\""},
        {"a.test. A\n", "t.zone:1: missing data for A record"},
        {"a.test. A 192.0.2.1 192.0.2.2\n", "t.zone:1: unexpected text after A data: \"192.0.2.2\""},
        {"a.test. A 192.0.2.256\n", "t.zone:1: bad A address \"192.0.2.256\""},
        {"a.test. A 2001:db8::1\n", "t.zone:1: bad A address \"2001:db8::1\""},
        {"a.test. AAAA 192.0.2.1\n", "t.zone:1: bad AAAA address \"192.0.2.1\""},
        {"a.test. A \"192.0.2.1\"\n", "t.zone:1: bad A address \"192.0.2.1\""},
        {"a.test. MX 65536 mx.test.\n", "t.zone:1: bad MX preference \"65536\""},
        {"a.test. MX 10\n", "t.zone:1: missing data for MX record"},
        {"a.test. MX 10 bad..mx.\n", "t.zone:1: empty label in name \"bad..mx.\""},
        {"a.test. TXT\n", "t.zone:1: missing data for TXT record"},
        {"a.test. TXT \"\\25\"\n", "t.zone:1: bad escape in TXT string \"\\25\""},
        {"a.test. TXT \"\\256\"\n", "t.zone:1: bad escape in TXT string \"\\256\""},
        {"a.test. TXT \"" + std::string(256, 'x') + "\"\n",
         "t.zone:1: TXT string longer than 255 octets (split it into several strings)"},
        {"a.test. CNAME\n", "t.zone:1: missing data for CNAME record"},
        {"a.test. PTR a.test. b.test.\n", "t.zone:1: unexpected text after PTR data: \"b.test.\""},
        {"a.test. SOA ns. host. 1 2 3 4\n", "t.zone:1: missing data for SOA record"},
        {"a.test. SOA ns. host. x 2 3 4 5\n", "t.zone:1: bad SOA serial \"x\""},
        {"a.test. SOA ns. host. 1 2 3 4 5y\n", "t.zone:1: bad SOA time \"5y\""},
        {"a.test. TLSA 3 1 1\n", "t.zone:1: missing data for TLSA record"},
        {"a.test. TLSA 3 1 256 00\n", "t.zone:1: bad TLSA matching type \"256\""},
        {"a.test. TLSA x 1 1 00\n", "t.zone:1: bad TLSA usage \"x\""},
        {"a.test. TLSA 3 1 1 0g\n", "t.zone:1: bad TLSA hex data \"0g\""},
        {"a.test. TLSA 3 1 1 \"00\"\n", "t.zone:1: bad TLSA hex data \"00\""},
        {"a.test. TLSA 3 1 1 012\n", "t.zone:1: odd number of hex digits in TLSA data"},
        {"a.test. SRV 0 1 993\n", "t.zone:1: missing data for SRV record"},
        {"a.test. SRV 0 1 70000 b.test.\n", "t.zone:1: bad SRV port \"70000\""},
        {"a.test. CNAME b.test.\na.test. CNAME c.test.\n", "t.zone:2: more than one CNAME at a.test."},
        {"a.test. A 192.0.2.1\n\na.test. CNAME c.test.\n", "t.zone:3: CNAME and other data at a.test."},
        {"a.test. CNAME c.test.\na.test. TXT x\n", "t.zone:2: CNAME and other data at a.test."},
    }));
    CAPTURE(c.zone.substr(0, 100));
    CHECK(error_of(c.zone) == c.error);
}

TEST_CASE("zone file: size limits", "[dns][zone]") {
    // One entry joined from several lines, over kMaxZoneEntryOctets.
    std::string entry = "a.test. TXT (\n";
    for (int i = 0; i < 600; ++i) entry += "\"" + std::string(250, 'x') + "\"\n";
    entry += ")\n";
    CHECK(error_of(entry).find("t.zone:") == 0);
    CHECK(error_of(entry).find("entry too long") != std::string::npos);
    // More RDATA than RFC 1035 3.2.1 allows: 258 strings of 255 octets.
    std::string big = "a.test. TXT (\n";
    for (int i = 0; i < 258; ++i) big += "\"" + std::string(255, 'y') + "\"\n";
    big += ")\n";
    CHECK(error_of(big) == "t.zone:1: TXT data longer than 65535 octets");
    // The record count limit.
    std::string many;
    many.reserve((kMaxZoneRecords + 1) * 16);
    many += "$ORIGIN t.\n";
    for (std::size_t i = 0; i <= kMaxZoneRecords; ++i) many += "h A 192.0.2.1\n";
    CHECK(error_of(many) == "t.zone:" + std::to_string(kMaxZoneRecords + 2) + ": more than " +
                                std::to_string(kMaxZoneRecords) + " records");
    CHECK(error_of(std::string(kMaxZoneFileBytes + 1, ';')) ==
          "t.zone:1: file larger than " + std::to_string(kMaxZoneFileBytes) + " octets");
}

TEST_CASE("zone file: load_zone_file reads and names the file", "[dns][zone]") {
    test::TempDir dir;
    const std::string good = dir.write("good.zone", "a.test. A 192.0.2.1\n");
    auto r = load_zone_file(good);
    REQUIRE(r);
    CHECK(r->size() == 1);
    const std::string bad = dir.write("bad.zone", "a.test. A 192.0.2.1\nb.test. MX x y\n");
    auto e = load_zone_file(bad);
    REQUIRE_FALSE(e);
    CHECK(e.error().message == bad + ":2: bad MX preference \"x\"");
    auto missing = load_zone_file(dir.path() + "/none.zone");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("none.zone") != std::string::npos);
}
