// tern dmarc report FILE...: a readable summary of received DMARC aggregate
// reports (XML, .gz, .zip, or a whole email with the report attached), per
// report and per source IP, with totals — what an admin wants to see before
// moving a domain from p=none to quarantine or reject. Exit 0 when every
// file was read, 1 when one was not (its error is printed, the rest go on).
// `tern dmarc check` (the evaluation of one message) comes later (#6).
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>

#include "libmail/core/file_io.h"
#include "libmail/core/text.h"
#include "libmail/dmarc/report_parse.h"
#include "tools/tern/tern.h"

namespace tern::cli {

namespace {

std::string utc(std::int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

std::string results(const std::vector<dmarc::AuthResult>& rs) {
    std::string out;
    for (const auto& r : rs) {
        if (!out.empty()) out += ", ";
        out += printable(r.domain, 80) + " " + printable(r.result, 20);
    }
    return out.empty() ? "none" : out;
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
    if (whole == 0) return "0%";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.0f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
    return buf;
}

struct Totals {
    std::uint64_t messages = 0, pass = 0, dkim = 0, spf = 0, quarantine = 0, reject = 0;
    void add(const dmarc::ReportRow& row) {
        messages += row.count;
        const bool d = row.dkim == "pass", s = row.spf == "pass";
        if (d || s) pass += row.count;
        if (d) dkim += row.count;
        if (s) spf += row.count;
        if (row.disposition == "quarantine") quarantine += row.count;
        if (row.disposition == "reject") reject += row.count;
    }
    std::string line() const {
        return std::to_string(messages) + " messages, DMARC pass " + std::to_string(pass) + " (" +
               percent(pass, messages) + "), fail " + std::to_string(messages - pass) + "; DKIM aligned " +
               std::to_string(dkim) + ", SPF aligned " + std::to_string(spf) + "; quarantined " +
               std::to_string(quarantine) + ", rejected " + std::to_string(reject);
    }
};

void print_report(const dmarc::ParsedReport& r, Totals& all) {
    std::printf("report %s from %s for %s, %s to %s UTC\n", printable(r.report_id, 80).c_str(),
                printable(r.org_name, 80).c_str(), printable(r.domain, 80).c_str(), utc(r.begin).c_str(),
                utc(r.end).c_str());
    std::printf("  policy published: p=%s sp=%s pct=%s adkim=%s aspf=%s\n", r.p.empty() ? "-" : printable(r.p, 20).c_str(),
                r.sp.empty() ? "-" : printable(r.sp, 20).c_str(), r.pct.empty() ? "-" : printable(r.pct, 20).c_str(),
                r.adkim.empty() ? "r" : printable(r.adkim, 5).c_str(), r.aspf.empty() ? "r" : printable(r.aspf, 5).c_str());
    std::vector<const dmarc::ReportRow*> rows;
    for (const auto& row : r.rows) rows.push_back(&row);
    std::stable_sort(rows.begin(), rows.end(), [](auto* a, auto* b) { return a->count > b->count; });
    Totals t;
    for (const auto* row : rows) {
        const bool pass = row->dkim == "pass" || row->spf == "pass";
        std::string reasons;
        for (const auto& x : row->reasons) reasons += (reasons.empty() ? " (" : ", ") + printable(x, 40);
        if (!reasons.empty()) reasons += ")";
        std::printf("  %-39s %6llu  DMARC %s  DKIM %s [%s]  SPF %s [%s]  disposition %s%s\n",
                    printable(row->source_ip, 45).c_str(), static_cast<unsigned long long>(row->count),
                    pass ? "pass" : "fail", row->dkim == "pass" ? "aligned" : "unaligned",
                    results(row->dkim_results).c_str(), row->spf == "pass" ? "aligned" : "unaligned",
                    results(row->spf_results).c_str(), printable(row->disposition, 20).c_str(), reasons.c_str());
        t.add(*row);
        all.add(*row);
    }
    std::printf("  total: %s\n", t.line().c_str());
}

int cmd_dmarc_report(const std::vector<std::string>& files) {
    if (files.empty()) {
        std::fprintf(stderr, "usage: tern dmarc report FILE...\n");
        return 2;
    }
    int status = 0;
    std::size_t reports = 0;
    Totals all;
    for (const auto& f : files) {
        auto data = read_file(f, dmarc::kMaxReportInputOctets);
        if (!data) {
            std::fprintf(stderr, "tern: %s\n", data.error().message.c_str());
            status = 1;
            continue;
        }
        auto parsed = dmarc::parse_report_data(*data);
        if (!parsed) {
            std::fprintf(stderr, "tern: %s: %s\n", f.c_str(), parsed.error().message.c_str());
            status = 1;
            continue;
        }
        for (const auto& r : *parsed) {
            if (reports++) std::printf("\n");
            print_report(r, all);
        }
    }
    if (reports > 1) std::printf("\nall %zu reports: %s\n", reports, all.line().c_str());
    return status;
}

}  // namespace

int cmd_dmarc(const Options& o) {
    if (!o.args.empty() && o.args[0] == "report")
        return cmd_dmarc_report(std::vector<std::string>(o.args.begin() + 1, o.args.end()));
    if (!o.args.empty() && o.args[0] == "check") return cmd_dmarc_check(o);
    if (!o.args.empty() && o.args[0] == "send-reports") return cmd_dmarc_send_reports(o);
    std::fprintf(stderr, "usage: tern dmarc report FILE...\n"
                         "       tern [-c config_dir] dmarc check [--zone FILE] --ip IP --sender ADDRESS --helo NAME MESSAGE\n"
                         "       tern [-c config_dir] dmarc send-reports\n");
    return 2;
}

}  // namespace tern::cli
