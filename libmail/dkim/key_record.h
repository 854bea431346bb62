// A DKIM key record: the TXT record at SELECTOR._domainkey.DOMAIN (RFC 6376
// 3.6.1), parsed into an OpenSSL key. Used by the verifier. A record is at
// most kMaxKeyRecordOctets. Key strength rules (RFC 8301) are applied by
// the verifier, which knows the configured minimum.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"
#include "libmail/dkim/crypto.h"

namespace tern::dkim {

inline constexpr std::size_t kMaxKeyRecordOctets = 8192;

struct KeyRecord {
    KeyType type = KeyType::Rsa;
    bool revoked = false;               // p= empty (RFC 6376 3.6.1)
    PkeyPtr key;                        // null when revoked
    int bits = 0;
    std::vector<std::string> hashes;    // h=; empty = any
    bool testing = false;               // t=y
    bool strict = false;                // t=s: i= must be exactly d=
};

// Errors: tag list syntax, v= other than DKIM1 or not first, unknown k=,
// missing p=, p= not base64 or not a key of the k= type, s= without email or
// "*", h= without sha256.
[[nodiscard]] Result<KeyRecord> parse_key_record(std::string_view txt);

}  // namespace tern::dkim
