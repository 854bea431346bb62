// Recipient policy of smtpd: which domains are ours, whether a recipient of a
// virtual mailbox domain exists, and who may relay (Postfix's
// smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination,
// plus reject_unlisted_recipient for virtual_mailbox_domains). Built once at
// startup from main.cf; a bad mynetworks entry or an unreadable map is a
// configuration error then. Lookups are synchronous: the maps are local files.
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

    // nullopt: accept the recipient. Otherwise the reply to send (550 5.1.1
    // unknown user, 554 5.7.1 relay denied, 451 4.3.0 lookup failure).
    // TODO(#3): mydestination domains accept any local part until local(8)
    // delivers to system users and aliases (local_recipient_maps).
    std::optional<smtp::Reply> check_recipient(const smtp::Path& rcpt, std::string_view client_ip);

    bool is_local_domain(std::string_view domain) const;
    bool is_virtual_domain(std::string_view domain) const;

private:
    std::vector<std::string> mydestination_;    // lower case
    std::vector<std::string> virtual_domains_;  // lower case
    std::vector<std::string> relay_domains_;    // lower case
    maps::MapList virtual_maps_;
    smtp::CidrList mynetworks_;
};

}  // namespace tern::smtpd
