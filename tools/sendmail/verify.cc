// sendmail -bv: says for each recipient whether local delivery would find a
// mailbox, with the lookup local and pop3d use (libmail/store/mailbox_location.h).
// Postfix mails a report instead; a line per address on standard output is
// what scripts that run "sendmail -bv" read in practice. Remote domains are
// not verified (that would need the SMTP client's probe).
#include <sysexits.h>

#include <algorithm>
#include <cstdio>

#include "libmail/config/params_global.h"
#include "libmail/core/text.h"
#include "libmail/maps/map.h"
#include "libmail/store/mailbox_location.h"
#include "tools/sendmail/sendmail.h"

namespace tern::sendmail {

int verify_mode(const Options& o, const config::Config& cfg) {
    if (o.recipients.empty()) throw UsageError("no recipients specified");
    std::vector<std::string> local_domains = cfg.get_list(config::kMyDestination);
    for (auto& d : cfg.get_list(config::kVirtualMailboxDomains)) local_domains.push_back(d);
    auto maps = maps::MapList::open(cfg.get_list(config::kVirtualMailboxMaps));
    if (!maps) {
        std::fprintf(stderr, "sendmail: fatal: virtual_mailbox_maps: %s\n", maps.error().message.c_str());
        return EX_CONFIG;
    }
    const std::string base = cfg.get(config::kVirtualMailboxBase);
    const std::string origin = cfg.get(config::kMyOrigin);
    int rc = EX_OK;
    for (std::string addr : o.recipients) {
        if (addr.find('@') == std::string::npos) addr += "@" + origin;
        const std::string domain = to_lower(addr.substr(addr.rfind('@') + 1));
        const bool local = std::any_of(local_domains.begin(), local_domains.end(),
                                       [&](const std::string& d) { return iequals(d, domain); });
        if (!local) {
            std::printf("%s: not verified: %s is not a local domain\n", printable(addr).c_str(),
                        printable(domain).c_str());
            continue;
        }
        auto where = store::locate_maildir(*maps, base, addr);
        if (!where) {
            // user+extension@domain is delivered to user@domain (plus-addressing).
            const auto at = addr.rfind('@');
            const auto plus = addr.find('+');
            if (plus != std::string::npos && plus < at)
                where = store::locate_maildir(*maps, base, addr.substr(0, plus) + addr.substr(at));
        }
        if (where) {
            std::printf("%s: deliverable\n", printable(addr).c_str());
        } else {
            std::printf("%s: undeliverable: unknown user\n", printable(addr).c_str());
            rc = EX_NOUSER;
        }
    }
    return rc;
}

}  // namespace tern::sendmail
