// Router: where each recipient goes (Postfix's address classes and
// trivial-rewrite, cut down). In order:
//   1. transport_maps (transport(5)): the full address, then the domain, then
//      ".parent" domains; the value is "transport:nexthop", "transport:" (the
//      recipient's domain as nexthop), ":nexthop" (smtp), or "error:text"
//      (bounce with that text);
//   2. mydestination and virtual_mailbox_domains -> local;
//   3. everything else -> smtp, to relayhost when set, else to the domain.
// A transport is a master.cf service name (private/<transport>), so it is
// checked to be a plain name before it is ever used in a path.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"
#include "libmail/maps/map.h"

namespace tern::qmgr {

struct Route {
    std::string transport;  // "local", "smtp", another master.cf service, or "error"
    std::string nexthop;    // domain, "[host]:port", or the error text for "error"
    bool operator==(const Route&) const = default;
};

class Router {
public:
    // transport_maps may be null (none configured).
    Router(std::vector<std::string> local_domains, std::string relayhost, std::unique_ptr<maps::MapList> transport_maps);

    // An error means transport_maps could not be read: defer, do not guess.
    [[nodiscard]] Result<Route> route(std::string_view address);

private:
    Result<std::optional<Route>> from_table(std::string_view address, const std::string& domain);

    std::vector<std::string> local_domains_;  // lower case
    std::string relayhost_;
    std::unique_ptr<maps::MapList> transport_maps_;
};

// A master.cf service name: 1-32 of [a-z0-9_.-], not starting with '.'.
bool valid_transport_name(std::string_view name);

}  // namespace tern::qmgr
