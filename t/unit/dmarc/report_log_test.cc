// The evaluation log: format/parse round trip with escapes, malformed lines
// with precise errors, batching into the shared file, and a rename (report
// run) between two flushes.
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "libmail/core/file_io.h"
#include "libmail/dmarc/report_log.h"
#include "t/unit/temp_dir.h"

using namespace tern;
using namespace tern::dmarc;

namespace {

Entry sample(int i = 0) {
    Entry e;
    e.time = 1700000000 + i;
    e.policy_domain = "example.com";
    e.header_from = "example.com";
    e.envelope_from = "bounce.example.com";
    e.source_ip = "192.0.2." + std::to_string(i % 250);
    e.p = Policy::Reject;
    e.sp = Policy::Quarantine;
    e.adkim = Alignment::Strict;
    e.pct = 50;
    e.fo = "1";
    e.rua = "mailto:dmarc@example.com!10m";
    e.disposition = Disposition::Quarantine;
    e.spf_aligned = true;
    e.sampled_out = true;
    e.spf_domain = "bounce.example.com";
    e.spf_result = "pass";
    e.dkim = {{"example.com", "sel1", "pass"}, {"esp.example", "s\t2\\x\n", "fail"}};
    return e;
}

}  // namespace

TEST_CASE("an entry survives format and parse, escapes included", "[dmarc][report_log]") {
    const Entry e = sample(3);
    const std::string line = format_entry(e);
    REQUIRE(line.back() == '\n');
    CHECK(line.find("s\\t2\\\\x\\n") != std::string::npos);
    CHECK(std::count(line.begin(), line.end(), '\n') == 1);
    auto back = parse_entry(std::string_view(line).substr(0, line.size() - 1));
    REQUIRE(back);
    CHECK(*back == e);
    Entry plain = sample();
    plain.dkim.clear();
    plain.header_from = "ctl\x01x";
    const std::string l2 = format_entry(plain);
    CHECK(l2.find("ctl\\x01x") != std::string::npos);
    CHECK(*parse_entry(std::string_view(l2).substr(0, l2.size() - 1)) == plain);
}

TEST_CASE("make_entry keeps only evaluations with a record", "[dmarc][report_log]") {
    Input in;
    in.from_domains = {"example.com"};
    in.spf = {"pass", "example.com", false};
    in.source_ip = "192.0.2.1";
    Outcome none;
    none.result = DmarcResult::None;
    CHECK_FALSE(make_entry(in, none, 1));
    Outcome pass;
    pass.result = DmarcResult::Pass;
    pass.record = *parse_record("v=DMARC1; p=reject; rua=mailto:a@example.com!1k,mailto:b@example.com");
    pass.policy_domain = "example.com";
    pass.from_domain = "example.com";
    pass.spf_aligned = true;
    auto e = make_entry(in, pass, 42);
    REQUIRE(e);
    CHECK(e->rua == "mailto:a@example.com!1024,mailto:b@example.com");
    CHECK(e->spf_scope == "mfrom");
    CHECK(e->time == 42);
}

TEST_CASE("malformed lines give precise errors", "[dmarc][report_log]") {
    std::string good = format_entry(sample());
    good.pop_back();
    auto replace_field = [&](int index, const std::string& v) {
        std::vector<std::string> f;
        std::size_t s = 0;
        for (;;) {
            auto t = good.find('\t', s);
            f.push_back(good.substr(s, t == std::string::npos ? std::string::npos : t - s));
            if (t == std::string::npos) break;
            s = t + 1;
        }
        f[static_cast<std::size_t>(index)] = v;
        std::string out;
        for (auto& x : f) out += (out.empty() ? "" : "\t") + x;
        return out;
    };
    struct Case { std::string line; std::string error; };
    auto c = GENERATE_COPY(values<Case>({
        {"D2\tx", "not a D1 line"},
        {"D1\t1\texample.com", "3 fields, expected at least 21"},
        {replace_field(1, "-5"), "bad time \"-5\""},
        {replace_field(6, "maybe"), "bad p \"maybe\""},
        {replace_field(10, "101"), "bad pct \"101\""},
        {replace_field(13, "drop"), "bad disposition \"drop\""},
        {replace_field(14, "2"), "bad dkim_aligned \"2\""},
        {replace_field(18, "pra"), "bad spf scope \"pra\""},
        {replace_field(20, "3"), "27 fields, expected 30"},
        {replace_field(20, "99"), "bad dkim count \"99\""},
        {replace_field(3, "a\\qb"), "field 4: bad escape"},
        {replace_field(3, "a\\x4"), "field 4: bad escape"},
        {replace_field(2, ""), "empty policy domain"},
    }));
    auto r = parse_entry(c.line);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == c.error);
}

TEST_CASE("parse_log reports each bad line by NAME:LINE and a torn last line", "[dmarc][report_log]") {
    const std::string text = format_entry(sample(1)) + "junk\n" + format_entry(sample(2)) + "D1\t17";
    auto parsed = parse_log(text, "batch.1");
    CHECK(parsed.entries.size() == 2);
    REQUIRE(parsed.errors.size() == 2);
    CHECK(parsed.errors[0] == "batch.1:2: not a D1 line");
    CHECK(parsed.errors[1] == "batch.1:4: last line has no line end (torn write)");
}

TEST_CASE("ReportLog batches lines and appends them to the shared file", "[dmarc][report_log]") {
    test::TempDir dir;
    const std::string d = dir.path() + "/dmarc";
    {
        ReportLog log(d);
        log.add(sample(0));
        CHECK(log.buffered_octets() > 0);
        CHECK_FALSE(std::filesystem::exists(current_log_path(d)));  // nothing written before a flush
        REQUIRE(log.flush());
        CHECK(log.buffered_octets() == 0);
        for (int i = 1; i < 40; ++i) log.add(sample(i));  // passes kMaxBatchOctets: flushes by itself
        CHECK(std::filesystem::file_size(current_log_path(d)) > format_entry(sample(0)).size());
    }  // the destructor flushes the rest
    auto text = read_file(current_log_path(d), 1 << 20);
    REQUIRE(text);
    auto parsed = parse_log(*text, "current");
    CHECK(parsed.errors.empty());
    REQUIRE(parsed.entries.size() == 40);
    for (int i = 0; i < 40; ++i) CHECK(parsed.entries[static_cast<std::size_t>(i)] == sample(i));
}

TEST_CASE("two logs share the file; a rename between flushes starts a new file", "[dmarc][report_log]") {
    test::TempDir dir;
    ReportLog a(dir.path()), b(dir.path());
    a.add(sample(1));
    b.add(sample(2));
    REQUIRE(a.flush());
    REQUIRE(b.flush());
    std::filesystem::rename(current_log_path(dir.path()), dir.path() + "/batch.1");
    a.add(sample(3));
    REQUIRE(a.flush());
    CHECK(parse_log(*read_file(dir.path() + "/batch.1", 1 << 20), "b").entries.size() == 2);
    CHECK(parse_log(*read_file(current_log_path(dir.path()), 1 << 20), "c").entries.size() == 1);
}

TEST_CASE("a write failure keeps the lines buffered", "[dmarc][report_log]") {
    test::TempDir dir;
    const std::string file = dir.write("notadir", "x");
    ReportLog log(file + "/sub");
    log.add(sample());
    CHECK_FALSE(log.flush());
    CHECK(log.buffered_octets() == format_entry(sample()).size());
}

TEST_CASE("several processes append at once while the file is renamed: no line lost or torn",
          "[dmarc][report_log]") {
    test::TempDir dir;
    constexpr int kChildren = 4, kEach = 400;
    std::vector<pid_t> kids;
    for (int c = 0; c < kChildren; ++c) {
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            {
                ReportLog log(dir.path());
                for (int i = 0; i < kEach; ++i) {
                    log.add(sample(c * kEach + i));
                    if (i % 7 == 0 && !log.flush()) ::_exit(3);
                }
            }
            ::_exit(0);
        }
        kids.push_back(pid);
    }
    // Rotate as a report run would, while the children write.
    for (int n = 0; n < 20; ++n) {
        std::error_code ec;
        std::filesystem::rename(current_log_path(dir.path()), dir.path() + "/batch." + std::to_string(n), ec);
        ::usleep(2000);
    }
    for (pid_t pid : kids) {
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    std::size_t entries = 0;
    for (const auto& de : std::filesystem::directory_iterator(dir.path())) {
        auto parsed = parse_log(*read_file(de.path().string(), 16 << 20), de.path().string());
        CHECK(parsed.errors.empty());
        entries += parsed.entries.size();
    }
    CHECK(entries == kChildren * kEach);
}
