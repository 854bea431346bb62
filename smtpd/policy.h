// Address classes for smtpd: which domains are ours (mydestination,
// virtual_mailbox_domains), which we relay to (relay_domains), which clients
// are trusted (mynetworks), and whether a recipient of a virtual mailbox
// domain exists. The restriction lists (restrictions.h) decide with these.
// Built once at startup from main.cf; a bad mynetworks entry or an unreadable
// map is a configuration error then. Lookups are synchronous: local files.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/config/config.h"
#include "libmail/core/result.h"
#include "libmail/maps/map.h"
#include "libmail/smtp/cidr.h"
#include "libmail/smtp/path.h"
#include "libmail/smtp/reply.h"

namespace tern::smtpd {

class Policy {
public:
    // Reads mydestination, virtual_mailbox_domains, virtual_mailbox_maps,
    // relay_domains and mynetworks.
    [[nodiscard]] static Result<std::unique_ptr<Policy>> load(const config::Config& cfg);
    Policy(std::vector<std::string> mydestination, std::vector<std::string> virtual_domains,
           std::vector<std::string> relay_domains, maps::MapList virtual_maps, smtp::CidrList mynetworks);

    bool is_local_domain(std::string_view domain) const;
    bool is_virtual_domain(std::string_view domain) const;
    bool is_relay_domain(std::string_view domain) const;
    // Mail for the domain stays here, or is relayed for it (Postfix's
    // "authorized destination"). <Postmaster> without a domain is ours.
    bool is_authorized_destination(const smtp::Path& rcpt) const;
    bool in_mynetworks(std::string_view ip) const { return mynetworks_.matches(ip); }

    // Does the recipient exist? Unknown only for virtual mailbox domains, whose
    // users are listed; mydestination domains accept any local part until
    // local(8) knows system users and aliases (local_recipient_maps, issue #4).
    enum class Known { Yes, No, TempFail };
    Known recipient_known(const smtp::Path& rcpt);

private:
    std::vector<std::string> mydestination_;    // lower case
    std::vector<std::string> virtual_domains_;  // lower case
    std::vector<std::string> relay_domains_;    // lower case
    maps::MapList virtual_maps_;
    smtp::CidrList mynetworks_;
};

}  // namespace tern::smtpd
