// The address a From field names, which chooses the signing keys
// (signing_table.h). Used by the Signer and by `tern dkim sign`.
#pragma once

#include <string>
#include <string_view>

namespace tern::dkim {

// The addr-spec of a From field value ("Name <a@b>" or "a@b"), with the
// domain lower-cased; empty when there is none. Quoted strings and comments
// are skipped; only the first mailbox is taken.
std::string from_address(std::string_view from_value);

}  // namespace tern::dkim
