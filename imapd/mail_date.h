// Dates for SEARCH and SORT: the RFC 5322 3.3 Date: header (with the
// obsolete forms of 4.3: two-digit years, zone names, comments) and IMAP's
// dd-Mon-yyyy search dates (RFC 3501 9). Pure functions, no time zone
// database: only the zone written in the header is used.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "imapd/date_time.h"  // days_from_civil

namespace tern::imapd {

struct MailDate {
    std::int64_t day = 0;        // the date as written (time and zone ignored), days since 1970-01-01
    std::int64_t utc_seconds = 0;  // the instant, seconds since the epoch
};

// Parses a Date: header value ("Tue, 1 Jul 2003 10:52:37 +0200"). nullopt
// when it is not a date (a missing time or zone is accepted: 00:00, +0000).
std::optional<MailDate> parse_mail_date(std::string_view value);

// date = dd-Mon-yyyy, quoted or not (RFC 3501 9, date-text), as days since the epoch.
std::optional<std::int64_t> parse_search_date(std::string_view s);

// The UTC day of an instant.
std::int64_t day_of(std::int64_t epoch_seconds);

}  // namespace tern::imapd
