// The DMARC policy record (RFC 7489 6.3, 6.4; np from RFC 9091): the TXT
// record a domain owner publishes at _dmarc.<domain>. Used by check.cc to
// decide, by report_send.cc for the rua destinations, and by report_xml.cc
// for policy_published. Parsing never reads past kMaxRecordOctets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"

namespace tern::dmarc {

enum class Policy { None, Quarantine, Reject };
enum class Alignment { Relaxed, Strict };

// One rua/ruf destination: "mailto:dmarc@example.com!10m" gives uri
// "mailto:dmarc@example.com" and max_size 10485760 (0: no limit).
struct ReportUri {
    std::string uri;
    std::uint64_t max_size = 0;
};

struct Record {
    Policy p = Policy::None;
    std::optional<Policy> sp;           // subdomains; absent: p
    std::optional<Policy> np;           // non-existent subdomains (RFC 9091); absent: sp, then p
    Alignment adkim = Alignment::Relaxed;
    Alignment aspf = Alignment::Relaxed;
    int pct = 100;                      // 0..100
    std::vector<ReportUri> rua, ruf;
    std::string fo = "0";               // failure reporting options as published (colon list)
    std::string rf = "afrf";
    std::uint32_t ri = 86400;           // requested aggregate interval, seconds
    // RFC 7489 6.6.3: p was absent or invalid (or sp invalid), and rua held a
    // valid URI, so the record is used as p=none.
    bool p_defaulted = false;

    [[nodiscard]] Policy subdomain_policy() const { return sp.value_or(p); }
    [[nodiscard]] Policy nonexistent_policy() const { return np.value_or(subdomain_policy()); }
};

// RFC 7489 has no limit; one TXT record of 4 KiB is far past any real one.
inline constexpr std::size_t kMaxRecordOctets = 4096;
inline constexpr std::size_t kMaxReportUris = 16;  // per rua or ruf tag; the rest are ignored

// True when txt starts with the "v=DMARC1" tag (RFC 7489 6.6.3 step 3:
// other TXT records at _dmarc are discarded). Tag name case-insensitive,
// "DMARC1" exact.
[[nodiscard]] bool is_dmarc_record(std::string_view txt);

// Parses a record for which is_dmarc_record() holds. Unknown tags are
// ignored; a known tag with a bad value takes its default (RFC 7489 6.3).
// Errors: over kMaxRecordOctets, v not first, no valid p (and no valid rua
// that would turn it into p=none), which 6.6.3 says means "no DMARC".
[[nodiscard]] Result<Record> parse_record(std::string_view txt);

// "none", "quarantine", "reject".
[[nodiscard]] std::string_view to_string(Policy p);
[[nodiscard]] std::optional<Policy> parse_policy(std::string_view s);  // case-insensitive

}  // namespace tern::dmarc
