// Parameters of cleanup (libmail/cleanup: header_checks, missing headers,
// header limits), pickup and local submission (sendmail, postdrop).
// Postfix's names and defaults where Postfix has the same thing.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr ParamSpec kHeaderChecks{"header_checks", ParamType::List, "", 0, 0,
    "Tables (pcre:) of patterns matched against each message header: REJECT, DISCARD, HOLD, WARN, IGNORE, PREPEND, REPLACE, DUNNO, OK."};
inline constexpr ParamSpec kHeaderSizeLimit{"header_size_limit", ParamType::Size, "102400", 1024, 16 * 1024 * 1024,
    "Largest single message header (all its folded lines); a longer one rejects the message with 552 5.6.0."};
inline constexpr ParamSpec kHeaderSectionSizeLimit{"header_section_size_limit", ParamType::Size, "1048576", 4096,
    256 * 1024 * 1024,
    "Largest header section of a message; a larger one rejects the message with 552 5.6.0."};
inline constexpr ParamSpec kAlwaysAddMissingHeaders{"always_add_missing_headers", ParamType::Bool, "no", 0, 0,
    "Add Message-Id and Date to every message that lacks them, not only to submitted and local mail."};
inline constexpr ParamSpec kLocalHeaderRewriteClients{"local_header_rewrite_clients", ParamType::List,
    "permit_inet_interfaces", 0, 0,
    "SMTP clients whose mail gets missing Message-Id and Date headers added (permit_inet_interfaces, permit_mynetworks, permit_sasl_authenticated)."};
inline constexpr ParamSpec kSetgidGroup{"setgid_group", ParamType::String, "postdrop", 0, 0,
    "Group of the maildrop/ directory and of the setgid postdrop command."};
inline constexpr ParamSpec kPostdropPath{"postdrop_path", ParamType::String, "$command_directory/postdrop", 0, 0,
    "The postdrop command that sendmail runs to write into maildrop/."};
inline constexpr ParamSpec kSendmailPath{"sendmail_path", ParamType::String, "$command_directory/sendmail", 0, 0,
    "The Sendmail-compatible local submission command of this instance."};
inline constexpr ParamSpec kAlternateConfigDirectories{"alternate_config_directories", ParamType::List, "", 0, 0,
    "Configuration directories that the setgid postdrop accepts with -c from a user other than root."};

inline constexpr ParamSpec kPostdropRecipientLimit{"postdrop_recipient_limit", ParamType::Int, "10000", 1, 1'000'000,
    "Most recipients postdrop accepts for one locally submitted message (sendmail)."};

inline constexpr const ParamSpec* kCleanupParams[] = {
    &kHeaderChecks, &kHeaderSizeLimit, &kHeaderSectionSizeLimit, &kAlwaysAddMissingHeaders,
    &kLocalHeaderRewriteClients, &kSetgidGroup, &kPostdropPath, &kSendmailPath, &kAlternateConfigDirectories,
    &kPostdropRecipientLimit,
};

}  // namespace tern::config
