// Object identifiers (RFC 8474 OBJECTID). MAILBOXID: a random id kept in the
// folder's "tern-mailboxid" file, so it moves with RENAME and a folder
// deleted and created again gets a new one. EMAILID: named in the message
// file (",E=<id>") when it was copied from another message, else derived
// from the file's unique base name; so it is the same in every copy and
// after a MOVE, and never changes. Ids are objectid-chars: letters, digits.
#pragma once

#include <string>
#include <string_view>

#include "libmail/core/result.h"

namespace tern::store {

// The folder's MAILBOXID, created on first use ("M" + 24 hex digits).
[[nodiscard]] Result<std::string> mailbox_id(const std::string& folder_path);

// The EMAILID of the message with this base name ("E" + 24 hex digits).
std::string email_id(std::string_view base);

// base with ",E=<id>" so that a copy keeps the original's EMAILID.
std::string base_with_email_id(std::string_view base, std::string_view email_id);

}  // namespace tern::store
