// The headers cleanup generates, in Postfix's shape:
//   Date: Wed, 25 Nov 2026 10:21:30 +0000 (UTC)       (RFC 5322 3.3, local time)
//   Message-Id: <20261125102130.4Bc1D2F3A@mail.example.test>   (RFC 5322 3.6.4)
// Day and month names are the English ones RFC 5322 requires, whatever the locale.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace tern::cleanup {

// RFC 5322 date-time of t in the local time zone (or UTC), with the zone name
// as a comment: also the date of smtpd's Received headers.
std::string rfc5322_date(std::time_t t, bool utc = false);

// <YYYYMMDDHHMMSS.QUEUEID@HOST>, the timestamp in UTC.
std::string make_message_id(std::time_t t, std::string_view queue_id, std::string_view host);

}  // namespace tern::cleanup
