// IMAP date-time (RFC 9051 9: "dd-Mon-yyyy hh:mm:ss +zzzz", the day may be
// " d"), as APPEND takes it for the internal date.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tern::imapd {

// Seconds since the epoch (UTC); nullopt when the text is not a valid
// date-time (bad field, day beyond its month, zone beyond +-2359).
std::optional<std::int64_t> parse_date_time(std::string_view text);

// Days since 1970-01-01 of a civil date (month 1-12).
std::int64_t days_from_civil(int year, unsigned month, unsigned day);

}  // namespace tern::imapd
