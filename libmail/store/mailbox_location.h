// Where an account's Maildir is (DESIGN.md "Mail store"): virtual_mailbox_maps
// gives "user@domain" -> a path relative to virtual_mailbox_base ending in "/";
// the Maildir root is base + "/" + value. Shared by pop3d (and open to imapd
// and local). Invariant: the result never leads outside virtual_mailbox_base.
#pragma once

#include <string>

#include "libmail/core/result.h"
#include "libmail/maps/map.h"

namespace tern::store {

// The Maildir root of user (looked up as given, then lower-cased), without a
// trailing '/'. An error for no entry, a table that cannot be read, or a value
// that is absolute or has a ".." component.
[[nodiscard]] Result<std::string> locate_maildir(maps::MapList& maps, const std::string& base,
                                                 const std::string& user);

}  // namespace tern::store
