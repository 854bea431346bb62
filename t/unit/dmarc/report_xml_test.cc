// Aggregate report generation: rows grouped as RFC 7489 appendix C wants,
// the XML valid against the appendix C schema (xmllint --schema), gzip,
// the file name and the report email of 7.2.1.1, and our own parser reading
// it all back.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "libmail/core/file_io.h"
#include "libmail/dmarc/report_parse.h"
#include "libmail/dmarc/report_xml.h"
#include "t/unit/temp_dir.h"

using namespace tern;
using namespace tern::dmarc;

namespace {

std::string srcdir() {
    if (const char* d = std::getenv("TERN_SRCDIR"); d && *d) return d;
    return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path().string();
}

Entry entry(const char* ip, bool dkim, bool spf, Disposition d, std::int64_t t) {
    Entry e;
    e.time = t;
    e.policy_domain = "example.com";
    e.header_from = "example.com";
    e.envelope_from = spf ? "example.com" : "mailer.example.net";
    e.source_ip = ip;
    e.p = Policy::Reject;
    e.sp = Policy::Quarantine;
    e.pct = 100;
    e.rua = "mailto:dmarc@example.com";
    e.disposition = d;
    e.dkim_aligned = dkim;
    e.spf_aligned = spf;
    e.spf_domain = e.envelope_from;
    e.spf_result = spf ? "pass" : "softfail";
    e.dkim = {{dkim ? "example.com" : "mailer.example.net", "s1", "pass"}};
    return e;
}

std::vector<Entry> sample_entries() {
    return {
        entry("192.0.2.1", true, true, Disposition::None, 1000),
        entry("192.0.2.1", true, true, Disposition::None, 1001),
        entry("192.0.2.1", true, true, Disposition::None, 1002),
        entry("198.51.100.7", false, false, Disposition::Reject, 1003),
        entry("2001:db8::25", true, false, Disposition::None, 1004),
    };
}

ReportMeta meta() {
    ReportMeta m;
    m.org_name = "mx.receiver.example";
    m.email = "postmaster@receiver.example";
    m.report_id = "1700086400.42.1";
    m.begin = 1000;
    m.end = 86400;
    return m;
}

}  // namespace

TEST_CASE("the report groups equal evaluations into one row with a count", "[dmarc][report_xml]") {
    const auto entries = sample_entries();
    const std::string xml = build_report_xml(meta(), "example.com", entries);
    auto r = parse_report_xml(xml);
    REQUIRE(r);
    CHECK(r->org_name == "mx.receiver.example");
    CHECK(r->report_id == "1700086400.42.1");
    CHECK(r->begin == 1000);
    CHECK(r->end == 86400);
    CHECK(r->domain == "example.com");
    CHECK(r->p == "reject");
    CHECK(r->sp == "quarantine");
    REQUIRE(r->rows.size() == 3);
    CHECK(r->rows[0].source_ip == "192.0.2.1");
    CHECK(r->rows[0].count == 3);
    CHECK(r->rows[0].dkim == "pass");
    CHECK(r->rows[1].source_ip == "198.51.100.7");
    CHECK(r->rows[1].disposition == "reject");
    CHECK(r->rows[1].spf_results.at(0).result == "softfail");
    CHECK(r->rows[2].source_ip == "2001:db8:0:0:0:0:0:25");  // full form: the schema's pattern
}

TEST_CASE("the report is valid against the RFC 7489 appendix C schema", "[dmarc][report_xml]") {
    test::TempDir dir;
    auto entries = sample_entries();
    entries[3].sampled_out = true;
    entries[3].header_from = "a<b&c>.example.com";  // escaped, still valid
    const std::string file = dir.write("report.xml", build_report_xml(meta(), "example.com", entries));
    const std::string xsd = srcdir() + "/t/data/dmarc/rua.xsd";
    REQUIRE(std::filesystem::exists(xsd));
    const std::string cmd = "xmllint --noout --schema '" + xsd + "' '" + file + "' 2>'" + dir.path() + "/err'";
    const int rc = std::system(cmd.c_str());
    INFO(*read_file(dir.path() + "/err", 1 << 16));
    CHECK(rc == 0);
    // The schema does catch mistakes: a report without records is invalid.
    const std::string empty = dir.write("empty.xml", build_report_xml(meta(), "example.com", {}));
    CHECK(std::system(("xmllint --noout --schema '" + xsd + "' '" + empty + "' 2>/dev/null").c_str()) != 0);
}

TEST_CASE("gzip, the file name and the email of RFC 7489 7.2.1.1", "[dmarc][report_xml]") {
    const std::string xml = build_report_xml(meta(), "example.com", sample_entries());
    auto gz = gzip(xml);
    REQUIRE(gz);
    CHECK(gz->substr(0, 2) == "\x1f\x8b");
    CHECK(gz->size() < xml.size());
    CHECK(*gunzip(*gz, 1 << 20) == xml);
    CHECK(report_filename(meta(), "example.com") == "mx.receiver.example!example.com!1000!86400.xml.gz");

    const std::string msg = build_report_message(meta(), "example.com", "postmaster@receiver.example",
                                                 {"dmarc@example.com", "agg@example.org"}, *gz,
                                                 "Tue, 14 Nov 2023 22:13:20 +0000");
    CHECK(msg.find("Subject: Report Domain: example.com Submitter: mx.receiver.example Report-ID: <1700086400.42.1>\r\n") !=
          std::string::npos);
    CHECK(msg.find("To: <dmarc@example.com>,\r\n <agg@example.org>\r\n") != std::string::npos);
    CHECK(msg.find("Content-Type: application/gzip; name=\"mx.receiver.example!example.com!1000!86400.xml.gz\"") !=
          std::string::npos);
    auto back = parse_report_data(msg);
    REQUIRE(back);
    REQUIRE(back->size() == 1);
    CHECK(back->at(0).rows.size() == 3);
}

TEST_CASE("xml_escape escapes markup and drops control bytes", "[dmarc][report_xml]") {
    CHECK(xml_escape("a<b>&\"'\x01z") == "a&lt;b&gt;&amp;&quot;&apos;z");
}
