// Building an aggregate report (RFC 7489 7.2, appendix C schema) for one
// policy domain from the recorded evaluations of a period: rows grouped by
// source IP, disposition, DKIM/SPF results and alignment; the gzip file named
// as 7.2.1.1 says; and the report email (7.2.1.1: Subject, multipart with
// the application/gzip attachment). Used by report_send.cc.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"
#include "libmail/dmarc/report_log.h"

namespace tern::dmarc {

struct ReportMeta {
    std::string org_name;            // dmarc_report_org_name: the receiver ("mail.example.net")
    std::string email;               // dmarc_report_sender
    std::string extra_contact_info;  // optional
    std::string report_id;           // unique per report
    std::int64_t begin = 0, end = 0; // the period, Unix seconds
};

// The XML report for entries (all of one policy domain; the policy published
// is taken from the newest entry). IPv6 sources are written in full form, as
// the appendix C IPAddress pattern requires.
[[nodiscard]] std::string build_report_xml(const ReportMeta& meta, std::string_view policy_domain,
                                           std::span<const Entry> entries);

// gzip (RFC 1952) of data.
[[nodiscard]] Result<std::string> gzip(std::string_view data);

// "receiver!policy-domain!begin!end.xml.gz" (RFC 7489 7.2.1.1).
[[nodiscard]] std::string report_filename(const ReportMeta& meta, std::string_view policy_domain);

// The report email: From sender, To recipients, Subject "Report Domain: D
// Submitter: S Report-ID: <ID>", a text part and the gzip file as an
// application/gzip attachment (base64). CRLF line ends. date: RFC 5322 text.
[[nodiscard]] std::string build_report_message(const ReportMeta& meta, std::string_view policy_domain,
                                               std::string_view sender, const std::vector<std::string>& recipients,
                                               std::string_view gz, std::string_view date);

// XML text escaping (&, <, >, ", ') with control bytes dropped.
[[nodiscard]] std::string xml_escape(std::string_view s);

}  // namespace tern::dmarc
