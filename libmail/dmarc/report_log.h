// The evaluation log behind aggregate reports (RFC 7489 7.2): smtpd records
// every evaluation that found a record; report_send.cc reads the log back
// once per interval. Recording never slows mail: entries are buffered in
// memory and appended with one write(2) per batch.
//
// Files, under dmarc_report_directory: "current" is appended to by every
// smtpd process (O_APPEND, whole lines, one batch of at most kMaxBatchOctets
// per write, under flock(LOCK_SH)); the report run renames it to
// "batch.<time>.<pid>", waits for LOCK_EX (writers that opened it before the
// rename finish their one write), reads it, queues the reports, then unlinks
// it. A writer that finds its file locked or renamed (inode differs from the
// path's) opens "current" again.
//
// Line format (one evaluation; fields separated by TAB; in each field "\"
// is written "\\", TAB "\t", LF "\n", CR "\r", other bytes below 0x20 "\xHH"):
//   D1 TIME POLICY_DOMAIN HEADER_FROM ENVELOPE_FROM SOURCE_IP
//      P SP ADKIM ASPF PCT FO RUA
//      DISPOSITION DKIM_ALIGNED SPF_ALIGNED SAMPLED_OUT
//      SPF_DOMAIN SPF_SCOPE SPF_RESULT NDKIM {DKIM_DOMAIN DKIM_SELECTOR DKIM_RESULT}*NDKIM
// TIME: Unix seconds. P/SP/DISPOSITION: none|quarantine|reject. ADKIM/ASPF:
// r|s. *_ALIGNED, SAMPLED_OUT: 0|1. SPF_SCOPE: mfrom|helo. RUA: the record's
// rua list as published ("mailto:a@x!10m,mailto:b@y"). NDKIM <= kMaxDkim.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"
#include "libmail/dmarc/evaluate.h"

namespace tern::dmarc {

inline constexpr std::size_t kMaxBatchOctets = 4000;     // one write(2)
inline constexpr std::size_t kMaxLogLineOctets = 3000;   // an entry is cut (fields) to fit
inline constexpr std::size_t kMaxDkim = 8;               // signatures recorded per message
inline constexpr std::size_t kMaxBufferedOctets = 1 << 20;  // held while the disk fails

struct Entry {
    std::int64_t time = 0;
    std::string policy_domain, header_from, envelope_from, source_ip;
    Policy p = Policy::None, sp = Policy::None;
    Alignment adkim = Alignment::Relaxed, aspf = Alignment::Relaxed;
    int pct = 100;
    std::string fo = "0", rua;
    Disposition disposition = Disposition::None;
    bool dkim_aligned = false, spf_aligned = false, sampled_out = false;
    std::string spf_domain, spf_scope = "mfrom", spf_result = "none";
    std::vector<DkimInput> dkim;

    bool operator==(const Entry&) const = default;
};

// The entry for an evaluation; nullopt when no record was found (nothing to
// report: none, temperror, permerror).
[[nodiscard]] std::optional<Entry> make_entry(const Input& in, const Outcome& out, std::int64_t now);

// The rua list of r in record syntax, for Entry::rua.
[[nodiscard]] std::string format_rua(const Record& r);

// One line with its LF.
[[nodiscard]] std::string format_entry(const Entry& e);
// One line without its LF. Errors say which field is wrong.
[[nodiscard]] Result<Entry> parse_entry(std::string_view line);

// Every entry in a log file's text; errors name "NAME:LINE: problem". A last
// line without LF (a writer that crashed mid-write cannot produce one; a torn
// disk can) is an error too, reported, never silently skipped.
struct ParsedLog {
    std::vector<Entry> entries;
    std::vector<std::string> errors;
};
[[nodiscard]] ParsedLog parse_log(std::string_view text, std::string_view name);

class ReportLog {
public:
    // directory is created on the first flush.
    explicit ReportLog(std::string directory);
    ReportLog(const ReportLog&) = delete;
    ReportLog& operator=(const ReportLog&) = delete;
    ~ReportLog();  // flushes; an error is logged

    // Buffers e; flushes first when the batch would pass kMaxBatchOctets.
    void add(const Entry& e);
    // Appends the buffered lines (several writes only when more than one
    // batch is buffered). On error the lines stay buffered (up to
    // kMaxBufferedOctets; past it the oldest are dropped with a warning).
    [[nodiscard]] Result<void> flush();
    [[nodiscard]] std::size_t buffered_octets() const { return buffered_; }
    [[nodiscard]] std::size_t dropped() const { return dropped_; }

private:
    Result<void> write_batch(std::string_view batch);

    std::string dir_;
    std::vector<std::string> lines_;
    std::size_t buffered_ = 0;
    std::size_t dropped_ = 0;
};

// The name of the shared log file under directory.
[[nodiscard]] std::string current_log_path(const std::string& directory);

}  // namespace tern::dmarc
