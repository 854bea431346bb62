// Parameters of DMARC (libmail/dmarc): whether smtpd evaluates it and what it
// does with quarantine and reject, the Public Suffix List, and aggregate
// reports (recording each evaluation, sending one report per domain and interval).
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr ParamSpec kSmtpdDmarcChecks{"smtpd_dmarc_checks", ParamType::Bool, "yes", 0, 0,
    "Evaluate DMARC (RFC 7489) for each message smtpd receives from an unauthenticated client, after SPF and DKIM."};
inline constexpr ParamSpec kDmarcRejectAction{"dmarc_reject_action", ParamType::String, "reject", 0, 0,
    "What smtpd does with a message whose DMARC policy says reject: reject (550 5.7.1), junk (the Junk folder), hold (the hold queue), or ignore (only the Authentication-Results header)."};
inline constexpr ParamSpec kDmarcQuarantineAction{"dmarc_quarantine_action", ParamType::String, "junk", 0, 0,
    "What smtpd does with a message whose DMARC policy says quarantine: junk (delivered into the recipient's Junk folder), hold (the hold queue), reject or ignore."};
inline constexpr ParamSpec kAuthservId{"authserv_id", ParamType::String, "$myhostname", 0, 0,
    "The name smtpd writes into Authentication-Results (RFC 8601); incoming Authentication-Results fields that claim it are removed."};
inline constexpr ParamSpec kDmarcPermerrorAction{"dmarc_permerror_action", ParamType::String, "ignore", 0, 0,
    "What smtpd does when DMARC cannot be evaluated because the From header has no domain or several different ones (RFC 7489 6.6.1): reject, junk, hold or ignore."};
inline constexpr ParamSpec kDmarcPublicSuffixList{"dmarc_public_suffix_list", ParamType::String,
    "/usr/share/publicsuffix/public_suffix_list.dat", 0, 0,
    "The Public Suffix List file (Debian package publicsuffix) that gives organizational domains for DMARC alignment."};
inline constexpr ParamSpec kDmarcAggregateReports{"dmarc_aggregate_reports", ParamType::Bool, "yes", 0, 0,
    "Record DMARC evaluations and send aggregate reports to the rua addresses that domains publish."};
inline constexpr ParamSpec kDmarcReportDirectory{"dmarc_report_directory", ParamType::String, "$data_directory/dmarc", 0, 0,
    "Directory of the DMARC evaluation log that aggregate reports are built from."};
inline constexpr ParamSpec kDmarcReportInterval{"dmarc_report_interval", ParamType::Time, "1d", 3600, 7 * 86400,
    "Time between two aggregate report runs (each covers the evaluations since the last).", 's'};
inline constexpr ParamSpec kDmarcReportFlushInterval{"dmarc_report_flush_interval", ParamType::Time, "10s", 1, 3600,
    "Longest time an evaluation waits in memory before it is appended to the DMARC evaluation log.", 's'};
inline constexpr ParamSpec kDmarcReportOrgName{"dmarc_report_org_name", ParamType::String, "$myhostname", 0, 0,
    "The organization name (org_name) and Submitter of the aggregate reports Tern sends."};
inline constexpr ParamSpec kDmarcReportSender{"dmarc_report_sender", ParamType::String, "postmaster@$mydomain", 0, 0,
    "Sender address and report_metadata email of the aggregate reports Tern sends."};

inline constexpr const ParamSpec* kDmarcParams[] = {
    &kSmtpdDmarcChecks,
    &kDmarcRejectAction,
    &kDmarcQuarantineAction,
    &kAuthservId,
    &kDmarcPermerrorAction,
    &kDmarcPublicSuffixList,
    &kDmarcAggregateReports,
    &kDmarcReportDirectory,
    &kDmarcReportInterval,
    &kDmarcReportFlushInterval,
    &kDmarcReportOrgName,
    &kDmarcReportSender,
};

}  // namespace tern::config
