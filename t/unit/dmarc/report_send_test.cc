// Report destinations (mailto: only, !size, RFC 7489 7.1 external
// verification against zone data) and the report run over the evaluation
// log: reports queued, files consumed, kept when queueing fails.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "libmail/dmarc/report_parse.h"
#include "libmail/mime/transfer_decode.h"
#include "libmail/dmarc/report_send.h"
#include "libmail/event/event_ptrs.h"
#include "t/unit/temp_dir.h"
#include "t/unit/run_loop.h"

using namespace tern;
using namespace tern::dmarc;

namespace {

constexpr const char* kZone = R"($TTL 300
example.com._report._dmarc.reports.example.net. TXT "v=DMARC1"
example.com._report._dmarc.wrong.example.org. TXT "v=spf1 -all"
other.com._report._dmarc.reports.example.net. TXT "v=DMARC1"
)";

struct Fixture {
    test::TempDir dir;
    EventBasePtr base{event_base_new()};
    std::unique_ptr<dns::Resolver> resolver;
    PublicSuffixList psl = *PublicSuffixList::parse("com\nnet\norg\n", "test");

    Fixture() {
        dns::Options o;
        o.zone_file = dir.write("zone", kZone);
        auto r = dns::Resolver::create(base.get(), o);
        if (!r) FAIL(r.error().message);
        resolver = std::move(*r);
    }

    void run_until(const bool& done) {
        test::run_until(base.get(), done);
        REQUIRE(done);
    }

    std::vector<std::string> verify(const std::string& policy_domain, const std::string& rua) {
        std::vector<std::string> out;
        bool done = false;
        auto v = verify_destinations(*resolver, psl, policy_domain, mailto_destinations(rua),
                                     [&](std::vector<Destination> ok) {
                                         for (auto& d : ok) out.push_back(d.address);
                                         done = true;
                                     });
        CHECK_FALSE(done);
        run_until(done);
        return out;
    }
};

Entry entry(const std::string& domain, const std::string& rua, std::int64_t t, const char* ip = "192.0.2.1") {
    Entry e;
    e.time = t;
    e.policy_domain = domain;
    e.header_from = domain;
    e.envelope_from = domain;
    e.source_ip = ip;
    e.p = Policy::Reject;
    e.sp = Policy::Reject;
    e.rua = rua;
    e.spf_domain = domain;
    e.spf_result = "pass";
    e.spf_aligned = true;
    return e;
}

std::string srcdir() {
    if (const char* d = std::getenv("TERN_SRCDIR"); d && *d) return d;
    return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path().string();
}

struct Queued {
    std::string sender;
    std::vector<std::string> to;
    std::string content;
};

}  // namespace

TEST_CASE("mailto destinations: other schemes, bad addresses and sizes", "[dmarc][report_send]") {
    auto d = mailto_destinations("mailto:dmarc@example.com!1048576,https://example.com/r,MAILTO:a%2Bb@Example.NET?subject=x,"
                                 "mailto:nodomain,mailto:x@y!junk");
    REQUIRE(d.size() == 2);
    CHECK(d[0].address == "dmarc@example.com");
    CHECK(d[0].max_size == 1048576);
    CHECK(d[1].address == "a+b@Example.NET");
    CHECK(d[1].domain == "example.net");
    CHECK(d[1].max_size == 0);
    auto m = mailto_destinations("mailto:a@example.com!10m, mailto:b@example.com!2K");
    REQUIRE(m.size() == 2);
    CHECK(m[0].max_size == 10u << 20);
    CHECK(m[1].max_size == 2048);
}

TEST_CASE("external destinations must publish <policy>._report._dmarc.<dest>", "[dmarc][report_send]") {
    Fixture f;
    // Same organizational domain: no lookup needed.
    CHECK(f.verify("example.com", "mailto:d@reports.example.com") == std::vector<std::string>{"d@reports.example.com"});
    CHECK(f.verify("mail.example.com", "mailto:d@example.com,mailto:r@reports.example.net,mailto:w@wrong.example.org,"
                                       "mailto:n@nothing.example.org") ==
          std::vector<std::string>{"d@example.com"});  // the record names example.com, not mail.example.com
    CHECK(f.verify("example.com", "mailto:r@reports.example.net,mailto:w@wrong.example.org,mailto:n@nothing.example.org") ==
          std::vector<std::string>{"r@reports.example.net"});
    CHECK(f.verify("example.com", "").empty());
}

TEST_CASE("a report run queues one report per policy domain and consumes the log", "[dmarc][report_send]") {
    Fixture f;
    const std::string dmarc_dir = f.dir.path() + "/dmarc";
    {
        ReportLog log(dmarc_dir);
        log.add(entry("example.com", "mailto:dmarc@example.com,mailto:r@reports.example.net", 1000));
        log.add(entry("example.com", "mailto:dmarc@example.com,mailto:r@reports.example.net", 1001, "192.0.2.2"));
        log.add(entry("example.com", "mailto:dmarc@example.com,mailto:r@reports.example.net", 1002, "192.0.2.2"));
        log.add(entry("quiet.example.org", "", 1003));               // no rua: no report
        log.add(entry("tiny.example.com", "mailto:t@tiny.example.com!100", 1004));  // over its size limit
        REQUIRE(log.flush());
    }
    std::vector<Queued> queued;
    auto queue = [&](const std::string& s, const std::vector<std::string>& to, const std::string& c) -> Result<void> {
        queued.push_back({s, to, c});
        return {};
    };
    RunSummary summary;
    bool done = false;
    auto run = run_reports(*f.resolver, f.psl, {dmarc_dir, "mx.receiver.example", "postmaster@receiver.example", 86400},
                           queue, [&](const RunSummary& s) { summary = s; done = true; });
    CHECK_FALSE(done);
    f.run_until(done);
    CHECK(summary.errors.empty());
    CHECK(summary.entries == 5);
    CHECK(summary.reports == 2);
    CHECK(summary.messages == 1);
    REQUIRE(queued.size() == 1);
    CHECK(queued[0].sender == "postmaster@receiver.example");
    CHECK(queued[0].to == std::vector<std::string>{"dmarc@example.com", "r@reports.example.net"});
    auto reports = parse_report_data(queued[0].content);
    REQUIRE(reports);
    REQUIRE(reports->size() == 1);
    const auto& r = reports->front();
    CHECK(r.domain == "example.com");
    CHECK(r.begin == 1000);
    CHECK(r.end == 86400);
    REQUIRE(r.rows.size() == 2);
    CHECK(r.rows[0].count + r.rows[1].count == 3);
    // The attachment is the report XML, valid against the appendix C schema.
    const std::string& msg = queued[0].content;
    const auto start = msg.find("\r\n\r\n", msg.find("Content-Disposition: attachment")) + 4;
    const auto end = msg.find("--=_tern_dmarc_", start);
    auto xml = gunzip(mime::decode_base64(msg.substr(start, end - start)), 1 << 20);
    REQUIRE(xml);
    const std::string file = f.dir.write("sent.xml", *xml);
    const std::string xsd = srcdir() + "/t/data/dmarc/rua.xsd";
    CHECK(std::system(("xmllint --noout --schema '" + xsd + "' '" + file + "' 2>/dev/null").c_str()) == 0);
    // Everything consumed: nothing left to send twice.
    for (const auto& de : std::filesystem::directory_iterator(dmarc_dir))
        FAIL("left behind: " << de.path().string());
}

TEST_CASE("a queue failure keeps the log for the next run; bad lines are reported", "[dmarc][report_send]") {
    Fixture f;
    const std::string dmarc_dir = f.dir.path() + "/dmarc";
    {
        ReportLog log(dmarc_dir);
        log.add(entry("example.com", "mailto:dmarc@example.com", 1000));
        REQUIRE(log.flush());
    }
    {
        std::FILE* fp = std::fopen((dmarc_dir + "/current").c_str(), "a");
        std::fputs("garbage line\n", fp);
        std::fclose(fp);
    }
    auto run_once = [&](bool fail) {
        int calls = 0;
        RunSummary summary;
        bool done = false;
        auto run = run_reports(
            *f.resolver, f.psl, {dmarc_dir, "mx.receiver.example", "postmaster@receiver.example", 86400},
            [&](const std::string&, const std::vector<std::string>&, const std::string&) -> Result<void> {
                ++calls;
                if (fail) return Error("queue full");
                return {};
            },
            [&](const RunSummary& s) { summary = s; done = true; });
        f.run_until(done);
        return std::make_pair(calls, summary);
    };
    auto [calls1, s1] = run_once(true);
    CHECK(calls1 == 1);
    REQUIRE(s1.errors.size() == 2);
    CHECK(s1.errors[0].ends_with(":2: not a D1 line"));
    CHECK(s1.errors[1] == "example.com: queue full");
    auto [calls2, s2] = run_once(false);
    CHECK(calls2 == 1);  // the same evaluations, sent now
    CHECK(s2.messages == 1);
    auto [calls3, s3] = run_once(false);
    CHECK(calls3 == 0);
    CHECK(s3.entries == 0);
}
