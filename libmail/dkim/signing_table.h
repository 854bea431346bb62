// Which keys sign a message, chosen by its From address, OpenDKIM-style:
// dkim_signing_table maps the address (then "@domain", the domain, and
// ".parent" domains) to key names, and dkim_key_table maps a key name to
// "domain:selector:/path/to/key". Without a signing table, every
// DOMAIN/SELECTOR.key under dkim_key_directory signs mail From DOMAIN, so
// `tern dkim keygen` alone turns signing on. Loaded keys are cached and
// reloaded when their file changes. Used by the message path (smtpd,
// pickup) and by `tern dkim sign` / `tern dns-records`.
#pragma once

#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/config/config.h"
#include "libmail/core/result.h"
#include "libmail/dkim/from_address.h"
#include "libmail/dkim/signer.h"
#include "libmail/maps/map.h"

namespace tern::dkim {

class SigningTable {
public:
    // Opens the tables named by the parameters. Errors: a table that cannot be opened.
    [[nodiscard]] static Result<SigningTable> open(const config::Config& cfg);

    // The keys for a From address (possibly none). Errors: a table that
    // cannot be read, a key table entry that is malformed or missing, a key
    // file that cannot be loaded (the message should wait: temporary).
    [[nodiscard]] Result<std::vector<SigningKeyPtr>> keys_for(std::string_view from_address);

private:
    struct Cached {
        std::time_t mtime = 0;
        off_t size = 0;
        SigningKeyPtr key;
    };
    [[nodiscard]] Result<SigningKeyPtr> load(const std::string& path, std::string_view domain,
                                             std::string_view selector);
    [[nodiscard]] Result<std::vector<SigningKeyPtr>> from_directory(const std::string& domain);

    std::string key_directory_;
    std::optional<maps::MapList> signing_table_;
    std::optional<maps::MapList> key_table_;
    std::map<std::string, Cached> cache_;   // by path, domain and selector
};

struct ConfiguredKey {
    std::string name;        // key table name, or DOMAIN/SELECTOR for the key directory
    std::string domain, selector, path;
    std::string record;      // the TXT record to publish ("v=DKIM1; k=...; p=...")
    std::string error;       // why the key could not be read (record empty then)
};

// The keys configured for domain (every domain when empty): the key
// directory's DOMAIN/SELECTOR.key files, plus the key table's entries when
// it is a texthash:, hash: or btree: table (read from its text source).
// Sorted by domain then selector.
std::vector<ConfiguredKey> configured_keys(const config::Config& cfg, std::string_view domain_or_empty);

}  // namespace tern::dkim
