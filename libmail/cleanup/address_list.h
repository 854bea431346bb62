// Addresses out of an RFC 5322 address-list header value (To:, Cc:, Bcc:,
// Resent-*), for sendmail -t: display names, comments, quoted strings, angle
// addresses, source routes and groups ("undisclosed-recipients:;") are
// understood; what is returned is each addr-spec as written, without
// display name or angle brackets. Bounded: at most max_addresses results.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tern::cleanup {

std::vector<std::string> parse_address_list(std::string_view value, std::size_t max_addresses = 10000);

}  // namespace tern::cleanup
