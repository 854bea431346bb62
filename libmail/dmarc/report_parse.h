// Reading aggregate reports that other receivers send to our rua address
// (RFC 7489 7.2, appendix C), for `tern dmarc report`: the XML itself, a
// .gz, a .zip (libzip, from memory), or a whole email with the report
// attached. Hostile input: every stage has a size limit (the file, the
// decompressed size, zip entries), libxml2 runs with XML_PARSE_NONET and no
// entity substitution, and a document with a DTD is refused.
// Element names are matched without their namespace, so DMARCbis
// (urn:ietf:params:xml:ns:dmarc-2.0) reports read too.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"

namespace tern::dmarc {

inline constexpr std::size_t kMaxReportInputOctets = 32 << 20;   // one file or message
inline constexpr std::size_t kMaxReportXmlOctets = 64 << 20;     // after decompression
inline constexpr std::size_t kMaxZipEntries = 16;
inline constexpr std::size_t kMaxReportRecords = 200000;

struct AuthResult {
    std::string domain, selector_or_scope, result;  // DKIM: selector; SPF: scope
};

struct ReportRow {
    std::string source_ip;
    std::uint64_t count = 0;
    std::string disposition;          // policy_evaluated
    std::string dkim, spf;            // policy_evaluated: "pass"/"fail" (aligned result)
    std::vector<std::string> reasons; // policy_evaluated/reason/type
    std::string header_from, envelope_from;
    std::vector<AuthResult> dkim_results, spf_results;
};

struct ParsedReport {
    std::string org_name, email, report_id;
    std::int64_t begin = 0, end = 0;
    std::string domain, p, sp, adkim, aspf, pct;  // policy_published, as written
    std::vector<ReportRow> rows;
};

// One XML document. Errors: malformed XML (libxml2's message and line), a
// DTD, no <feedback> root, missing report_metadata/policy_published/domain,
// a bad count or date, over kMaxReportRecords.
[[nodiscard]] Result<ParsedReport> parse_report_xml(std::string_view xml);

// data of any accepted kind, detected from its content (gzip and zip magic
// numbers, "<" for XML, else an email). Every report found; errors say what
// failed ("gzip: decompressed size over 64 MiB", "zip: no .xml entry", "no
// report attachment in the message", ...).
[[nodiscard]] Result<std::vector<ParsedReport>> parse_report_data(std::string_view data);

// gunzip with a limit on the output; errors for corrupt data or too much.
[[nodiscard]] Result<std::string> gunzip(std::string_view data, std::size_t max_octets);

}  // namespace tern::dmarc
