#include "qmgr/routing.h"

#include <algorithm>

#include "libmail/core/text.h"
#include "qmgr/retry.h"

namespace tern::qmgr {

bool valid_transport_name(std::string_view name) {
    if (name.empty() || name.size() > 32 || name.front() == '.') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    });
}

Router::Router(std::vector<std::string> local_domains, std::string relayhost,
               std::unique_ptr<maps::MapList> transport_maps)
    : relayhost_(std::move(relayhost)), transport_maps_(std::move(transport_maps)) {
    for (auto& d : local_domains) local_domains_.push_back(to_lower(d));
}

Result<std::optional<Route>> Router::from_table(std::string_view address, const std::string& domain) {
    std::vector<std::string> keys{to_lower(address)};
    if (!domain.empty()) {
        keys.push_back(domain);
        for (auto dot = domain.find('.'); dot != std::string::npos; dot = domain.find('.', dot + 1))
            keys.push_back(domain.substr(dot));  // ".example.com" matches subdomains (Postfix's dot-form)
    }
    for (const auto& key : keys) {
        auto v = transport_maps_->lookup(key);
        if (!v) return Error("transport_maps lookup of " + printable(key) + ": " + v.error().message);
        if (!*v) continue;
        const std::string value(trim(**v));
        const auto colon = value.find(':');
        Route r;
        r.transport = colon == std::string::npos ? value : value.substr(0, colon);
        r.nexthop = colon == std::string::npos ? std::string() : value.substr(colon + 1);
        if (r.transport.empty()) r.transport = "smtp";
        if (r.transport != "error" && !valid_transport_name(r.transport))
            return Error("transport_maps: bad transport name in \"" + printable(value) + "\" for " + printable(key));
        if (r.nexthop.empty() && r.transport != "error") r.nexthop = domain;
        return std::optional<Route>(std::move(r));
    }
    return std::optional<Route>();
}

Result<Route> Router::route(std::string_view address) {
    const std::string domain = domain_of(address);
    if (transport_maps_) {
        auto t = from_table(address, domain);
        if (!t) return t.error();
        if (*t) return **t;
    }
    if (domain.empty() || std::find(local_domains_.begin(), local_domains_.end(), domain) != local_domains_.end())
        return Route{"local", domain};
    if (!relayhost_.empty()) return Route{"smtp", relayhost_};
    return Route{"smtp", domain};
}

}  // namespace tern::qmgr
