// The quarantine mark: a header field smtpd prepends when a DMARC policy of
// "quarantine" applies, which local turns into delivery to the Junk folder.
// local looks for it only among the Prepend records of the queue file (what
// Tern itself added after the message arrived), so a sender cannot forge it;
// smtpd also drops the field from incoming messages so users are not misled.
#pragma once

#include <string>
#include <string_view>

namespace tern::authres {

inline constexpr std::string_view kQuarantineField = "X-Tern-Quarantine";
inline constexpr std::string_view kQuarantineFolder = "Junk";

// "X-Tern-Quarantine: REASON\n" (control characters removed).
std::string quarantine_field(std::string_view reason);

// Whether the prepended header text carries the mark.
bool has_quarantine_mark(std::string_view prepended);

// For CleanupOptions::drop_header: an unfolded field that is the mark.
bool is_quarantine_field(std::string_view logical_field);

}  // namespace tern::authres
