// The TLS policy for one next hop (Postfix's smtp_tls_policy_maps): a level,
// and for the levels that authenticate the server, the names its certificate
// must carry.
//   none     no TLS;
//   may      STARTTLS when offered, any certificate (RFC 7435 opportunistic);
//   encrypt  TLS required, any certificate;
//   verify   TLS required, a chain to a trusted CA and a name from match=
//            (default "hostname": the MX host name as found in DNS);
//   secure   as verify, default match=nexthop:dot-nexthop (the destination
//            domain itself, or a subdomain), safe against a forged MX.
// A table value is "LEVEL [match=NAME:NAME...]"; match names are "hostname",
// "nexthop", "dot-nexthop" or a literal DNS name. Anything else in a value is
// an error, so a typo never weakens a policy silently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"
#include "libmail/maps/map.h"
#include "smtp/connection.h"
#include "smtp/destination.h"

namespace tern::smtp_client {

struct TlsPolicy {
    TlsLevel level = TlsLevel::May;
    std::vector<std::string> match;  // as written; resolved by match_names()
};

// "may", "verify match=hostname:nexthop", ... Errors name the problem.
Result<TlsPolicy> parse_tls_policy(std::string_view value);

// The level's name ("none", "may", ...), and a level from its name.
std::string_view level_name(TlsLevel level);
Result<TlsLevel> parse_tls_level(std::string_view name);

// The policy for hop: smtp_tls_policy_maps looked up by the next hop as
// written ("[host]:port", "domain"), then by the domain and its ".parent"
// domains; default_level when no entry matches. maps may be null.
Result<TlsPolicy> lookup_tls_policy(maps::MapList* maps, const NextHop& hop, TlsLevel default_level);

// The certificate names for a connection to host within hop: "hostname" ->
// host, "nexthop" -> hop's domain, "dot-nexthop" -> ".domain" (any subdomain).
std::vector<std::string> match_names(const TlsPolicy& p, const NextHop& hop, const std::string& host);

}  // namespace tern::smtp_client
