// Reading received aggregate reports: the sample Google (gzip) and Yahoo
// (zip) reports, a report email, and hostile input: a DTD, a gzip bomb, a
// truncated gzip, wrong roots and bad numbers.
#include <catch2/catch.hpp>
#include <filesystem>

#include "libmail/core/file_io.h"
#include "libmail/dmarc/report_parse.h"
#include "libmail/dmarc/report_xml.h"

using namespace tern;
using namespace tern::dmarc;

namespace {

std::string data_file(const std::string& name) {
    std::string src;
    if (const char* d = std::getenv("TERN_SRCDIR"); d && *d) src = d;
    else src = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path().string();
    auto r = read_file(src + "/t/data/dmarc/" + name, 1 << 20);
    if (!r) FAIL(r.error().message);
    return *r;
}

const char* kMinimal = R"(<feedback><report_metadata><org_name>o</org_name><email>e</email><report_id>1</report_id>
<date_range><begin>1</begin><end>2</end></date_range></report_metadata>
<policy_published><domain>example.com</domain><p>none</p></policy_published>%s</feedback>)";

std::string minimal(const std::string& records) {
    std::string s = kMinimal;
    s.replace(s.find("%s"), 2, records);
    return s;
}

}  // namespace

TEST_CASE("the Google-style gzip report", "[dmarc][report_parse]") {
    auto r = parse_report_data(data_file("google.com!example.com!1764979200!1765065599.xml.gz"));
    REQUIRE(r);
    REQUIRE(r->size() == 1);
    const ParsedReport& g = r->front();
    CHECK(g.org_name == "google.com");
    CHECK(g.report_id == "13587194672836452417");
    CHECK(g.begin == 1764979200);
    CHECK(g.end == 1765065599);
    CHECK(g.domain == "example.com");
    CHECK(g.p == "quarantine");
    REQUIRE(g.rows.size() == 4);
    CHECK(g.rows[0].count == 42);
    CHECK(g.rows[0].dkim_results.at(0).selector_or_scope == "tern2026");
    CHECK(g.rows[1].source_ip == "2001:db8:4860::5");
    CHECK(g.rows[3].reasons == std::vector<std::string>{"forwarded"});
    CHECK(g.rows[2].dkim_results.empty());
}

TEST_CASE("the Yahoo-style zip report, with its quirks", "[dmarc][report_parse]") {
    auto r = parse_report_data(data_file("yahoo.com!example.com!1764979200!1765065599.zip"));
    REQUIRE(r);
    const ParsedReport& y = r->front();
    CHECK(y.org_name == "Yahoo");
    CHECK(y.domain == "example.com");  // written Example.COM
    CHECK(y.sp.empty());               // no sp, no fo, no version
    REQUIRE(y.rows.size() == 2);
    CHECK(y.rows[1].disposition == "quarantine");
    CHECK(y.rows[1].spf_results.at(0).result == "fail");
}

TEST_CASE("a report email: the attachment is found and decoded", "[dmarc][report_parse]") {
    auto r = parse_report_data(data_file("google-report.eml"));
    REQUIRE(r);
    REQUIRE(r->size() == 1);
    CHECK(r->front().rows.size() == 4);
    auto none = parse_report_data("From: a@example.com\nSubject: hi\n\nno attachment here\n");
    REQUIRE_FALSE(none);
    CHECK(none.error().message == "no report attachment in the message");
}

TEST_CASE("plain XML, namespaced DMARCbis XML", "[dmarc][report_parse]") {
    CHECK(parse_report_data(data_file("google-report.xml")));
    std::string ns = minimal("");
    ns.replace(0, 10, "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">");
    auto r = parse_report_xml(ns);
    REQUIRE(r);
    CHECK(r->domain == "example.com");
}

TEST_CASE("hostile and broken reports give precise errors", "[dmarc][report_parse]") {
    struct Case { std::string data; std::string error; };
    const std::string bomb = *gzip(std::string(kMaxReportXmlOctets + 1, ' '));
    const std::string gz = *gzip(minimal(""));
    auto c = GENERATE_COPY(values<Case>({
        {"<?xml version=\"1.0\"?>\n<!DOCTYPE feedback [<!ENTITY a \"aaaa\">]>\n<feedback/>",
         "XML: a DTD is not allowed in a report"},
        {"<feedback><report_metadata>", "XML: line 1: Premature end of data in tag report_metadata line 1"},
        {"<html/>", "XML: the root element is not <feedback>"},
        {"<feedback/>", "XML: no <report_metadata>"},
        {minimal("<record><row><source_ip>192.0.2.1</source_ip><count>x</count></row></record>"),
         "XML: record 1: bad count \"x\""},
        {minimal("<record/>"), "XML: record 1 without <row>"},
        {bomb, "gzip: decompressed size over 64 MiB"},
        {gz.substr(0, gz.size() / 2), "gzip: truncated data"},
        {"PK\x03\x04garbage", "zip: Not a zip archive"},
    }));
    auto r = parse_report_data(c.data);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == c.error);
}
