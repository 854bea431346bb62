// LIST pattern matching (RFC 3501 6.3.8): "*" matches anything, "%" anything
// but the hierarchy separator "/". A leading "INBOX" matches case-insensitively.
// Dynamic programming over pattern x name: no backtracking blow-up.
#pragma once

#include <string_view>

namespace tern::imapd {

bool list_match(std::string_view pattern, std::string_view name);

}  // namespace tern::imapd
