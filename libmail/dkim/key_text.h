// The published form of a DKIM key: the key record text ("v=DKIM1; k=rsa;
// p=...") and the zone-file line that carries it, with the record split
// into character-strings of at most 255 octets (RFC 1035 3.3.14). Used by
// `tern dkim keygen`, configured_keys() and `tern dns-records`.
#pragma once

#include <string>
#include <string_view>

#include "libmail/core/result.h"
#include "libmail/dkim/crypto.h"

namespace tern::dkim {

inline constexpr std::size_t kMaxTxtStringOctets = 255;

// "v=DKIM1; k=rsa; p=BASE64" (k=ed25519 for Ed25519) from a private or public key.
[[nodiscard]] Result<std::string> key_record_text(EVP_PKEY* key);

// SELECTOR._domainkey.DOMAIN. IN TXT ( "..." "..." ), one string per line
// after the first, each at most kMaxTxtStringOctets.
std::string zone_txt_line(std::string_view selector, std::string_view domain, std::string_view record);

}  // namespace tern::dkim
