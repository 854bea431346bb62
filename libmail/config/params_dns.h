// Parameters of the DNS resolver (libmail/dns): where answers come from (a
// forwarder, resolv.conf, or a test zone file), DNSSEC validation, and the time
// limit of one lookup. Read by dns::Options::from_config.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr ParamSpec kDnsZoneFile{"dns_zone_file", ParamType::String, "", 0, 0,
    "RFC 1035 master file to answer every DNS lookup from, without the network (names absent from it do not exist); empty: real DNS."};
inline constexpr ParamSpec kDnsForwarder{"dns_forwarder", ParamType::List, "", 0, 0,
    "DNS resolvers (address or address@port) to send queries to; empty: the nameservers of /etc/resolv.conf."};
inline constexpr ParamSpec kDnssecTrustAnchorFile{"dnssec_trust_anchor_file", ParamType::String, "", 0, 0,
    "DNSSEC trust anchor file (DS or DNSKEY records; Debian: /usr/share/dns/root.key) that turns validation on; empty: no validation."};
inline constexpr ParamSpec kDnsTimeout{"dns_timeout", ParamType::Time, "10s", 1, 3600,
    "Time limit for one DNS lookup; past it the lookup fails temporarily."};

inline constexpr const ParamSpec* kDnsParams[] = {
    &kDnsZoneFile,
    &kDnsForwarder,
    &kDnssecTrustAnchorFile,
    &kDnsTimeout,
};

}  // namespace tern::config
