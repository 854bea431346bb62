#include "smtpd/policy.h"

#include <algorithm>

#include "libmail/config/params_global.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::smtpd {

namespace {

std::vector<std::string> lowered(const std::vector<std::string>& in) {
    std::vector<std::string> out;
    out.reserve(in.size());
    for (const auto& s : in) out.push_back(to_lower(s));
    return out;
}

bool contains(const std::vector<std::string>& list, std::string_view domain) {
    const std::string d = to_lower(domain);
    return std::find(list.begin(), list.end(), d) != list.end();
}

}  // namespace

Result<std::unique_ptr<Policy>> Policy::load(const config::Config& cfg) {
    auto maps = maps::MapList::open(cfg.get_list(config::kVirtualMailboxMaps));
    if (!maps) return Error("virtual_mailbox_maps: " + maps.error().message);
    auto nets = smtp::CidrList::parse(cfg.get_list(config::kMyNetworks));
    if (!nets) return nets.error();
    return std::make_unique<Policy>(cfg.get_list(config::kMyDestination),
                                    cfg.get_list(config::kVirtualMailboxDomains),
                                    cfg.get_list(config::kRelayDomains), std::move(*maps), std::move(*nets));
}

Policy::Policy(std::vector<std::string> mydestination, std::vector<std::string> virtual_domains,
               std::vector<std::string> relay_domains, maps::MapList virtual_maps, smtp::CidrList mynetworks)
    : mydestination_(lowered(mydestination)),
      virtual_domains_(lowered(virtual_domains)),
      relay_domains_(lowered(relay_domains)),
      virtual_maps_(std::move(virtual_maps)),
      mynetworks_(std::move(mynetworks)) {}

bool Policy::is_local_domain(std::string_view domain) const { return contains(mydestination_, domain); }
bool Policy::is_virtual_domain(std::string_view domain) const { return contains(virtual_domains_, domain); }

bool Policy::is_relay_domain(std::string_view domain) const { return contains(relay_domains_, domain); }

bool Policy::is_authorized_destination(const smtp::Path& rcpt) const {
    if (rcpt.domain.empty()) return true;
    return is_local_domain(rcpt.domain) || is_virtual_domain(rcpt.domain) || is_relay_domain(rcpt.domain);
}

Policy::Known Policy::recipient_known(const smtp::Path& rcpt) {
    if (rcpt.domain.empty() || !is_virtual_domain(rcpt.domain)) return Known::Yes;
    const std::string key = rcpt.local_part + "@" + to_lower(rcpt.domain);
    auto found = virtual_maps_.lookup(key);
    if (!found) {
        log::warning("virtual_mailbox_maps lookup of %s: %s", printable(key).c_str(), found.error().message.c_str());
        return Known::TempFail;
    }
    return *found ? Known::Yes : Known::No;
}

}  // namespace tern::smtpd
