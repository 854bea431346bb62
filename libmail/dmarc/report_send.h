// Sending aggregate reports (RFC 7489 7.1, 7.2): which rua destinations may
// get a report (mailto: only, the "!size" limit, and the verification of
// external destinations), and the periodic run that turns the evaluation log
// (report_log.h) into queued report messages. The daemon that runs it daily
// (dmarc_aggregate_reports, dmarc_report_interval) gives it a resolver, the
// Public Suffix List and a function that queues one message.
//
// Crash safety: the log batch files are unlinked only after every report
// built from them was queued; a crash halfway leaves them for the next run,
// so a report may be sent twice but no record is dropped. A batch file that
// cannot be parsed line by line keeps its good lines; the bad ones are
// logged with FILE:LINE, and a file that cannot be read at all is renamed
// "bad.*" and kept for the admin.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "libmail/dmarc/public_suffix.h"
#include "libmail/dmarc/report_log.h"
#include "libmail/dns/resolver.h"

namespace tern::dmarc {

struct Destination {
    std::string address;         // the mailto: address, %-decoded, without ?headers
    std::string domain;          // its domain, lower case
    std::uint64_t max_size = 0;  // "!size" (0: no limit)
};

// The mailto: destinations of a rua list as written in Entry::rua; other
// schemes and malformed addresses are left out.
[[nodiscard]] std::vector<Destination> mailto_destinations(std::string_view rua);

// RFC 7489 7.1: a destination whose organizational domain differs from the
// policy domain's must publish "v=DMARC1" at
// <policy-domain>._report._dmarc.<destination-domain>. done gets the
// destinations that may receive reports (in order), once, from the loop.
// DNS trouble drops the destination for this run (logged).
class Verification {
public:
    virtual ~Verification() = default;
};
[[nodiscard]] std::unique_ptr<Verification> verify_destinations(
    dns::Resolver& resolver, const PublicSuffixList& psl, std::string policy_domain, std::vector<Destination> dests,
    std::function<void(std::vector<Destination> allowed)> done);

struct ReportSettings {
    std::string directory;   // dmarc_report_directory
    std::string org_name;    // dmarc_report_org_name
    std::string sender;      // dmarc_report_sender
    std::int64_t now = 0;    // the end of the period (Unix seconds)
};

// Queues one message; an error keeps the log for the next run.
using QueueMessage = std::function<Result<void>(const std::string& sender, const std::vector<std::string>& recipients,
                                                const std::string& content)>;

struct RunSummary {
    std::size_t entries = 0;    // evaluations read
    std::size_t reports = 0;    // policy domains reported
    std::size_t messages = 0;   // messages queued
    std::vector<std::string> errors;
};

class ReportRun {
public:
    virtual ~ReportRun() = default;
};

// Renames "current" to a batch file, reads every batch file (from this run
// and from runs that did not finish), groups the evaluations by policy
// domain, verifies the destinations, and queues one report per domain (to
// every allowed destination whose size limit the gzip file fits). done runs
// once, from the loop. Destroying the run cancels it (batch files stay).
[[nodiscard]] std::unique_ptr<ReportRun> run_reports(dns::Resolver& resolver, const PublicSuffixList& psl,
                                                     ReportSettings settings, QueueMessage queue,
                                                     std::function<void(const RunSummary&)> done);

// Largest batch file a run reads (about a million evaluations).
inline constexpr std::size_t kMaxBatchFileOctets = 256 << 20;

}  // namespace tern::dmarc
