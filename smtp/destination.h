// Where a message goes: the next hop as qmgr or relayhost names it, and the
// order of the MX hosts of a domain (RFC 5321 5.1: lowest preference first,
// equal preferences in random order). Pure code: unit-tested.
#pragma once

#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/dns/resolver.h"

namespace tern::smtp_client {

struct NextHop {
    std::string host;        // domain or host name (lower case), or an IP address literal
    int port = 0;            // 0: smtp_destination_port
    bool mx_lookup = true;   // false for "[host]" (Postfix: no MX lookup)
    // "[host]:port", "[host]" or "domain" / "domain:port", as Postfix writes it: the key of
    // smtp_sasl_password_maps and of the connection cache.
    std::string text() const;
};

// Parses "domain", "domain:port", "[host]", "[host]:port", "[2001:db8::1]:587".
// nullopt for an empty host, a bad port, or an unbalanced bracket.
std::optional<NextHop> parse_nexthop(std::string_view text);

// The domain of an address ("alice@Example.TEST" -> "example.test"); "" when none.
std::string domain_of(std::string_view address);

// MX hosts in the order to try them: by preference, equal preferences shuffled
// with rng, duplicates dropped. The null MX (a single "." target, RFC 7505) is
// not a host: callers test is_null_mx first.
std::vector<std::string> order_mx(std::vector<dns::Mx> mx, std::mt19937& rng);

// RFC 7505 3: the domain publishes exactly one MX whose target is ".".
bool is_null_mx(const std::vector<dns::Mx>& mx);

}  // namespace tern::smtp_client
