// Resolver: asynchronous DNS on the caller's libevent loop, through libunbound
// (with DNSSEC validation when a trust anchor is configured). Every Tern
// daemon that needs DNS (smtpd for DNSBL and client names, smtp for MX, the
// SPF/DKIM/DMARC code) asks through this one class. With dns_zone_file set,
// answers come from that RFC 1035 master file through the same code path
// (libunbound local data), every name absent from it does not exist (localhost
// included), its CNAMEs are followed as DNS would, and "*" owners are literal
// names, not wildcards.
// A callback runs once, from the loop, never inside query(); destroying the
// Query before that cancels it (no callback). Destroying the Resolver cancels
// every Query still pending the same way (no callback); a Query may outlive it.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/config/config.h"
#include "libmail/core/result.h"

namespace tern::dns {

enum class RrType : std::uint16_t { A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, MX = 15, TXT = 16, AAAA = 28,
                                    SRV = 33, TLSA = 52 };

struct Mx {
    std::uint16_t preference = 0;
    std::string host;  // lower case, no trailing dot; "" for the null MX "." (RFC 7505)
};

struct Answer {
    // Ok: at least one record of the type. NoData: the name exists without
    // that type. NxDomain: the name does not exist. TempFail: SERVFAIL,
    // timeout, network trouble (retry later). Bogus: DNSSEC validation failed.
    enum class Status { Ok, NoData, NxDomain, TempFail, Bogus };
    Status status = Status::TempFail;
    bool secure = false;                    // DNSSEC-validated
    std::string error;                      // why, for TempFail/Bogus (for logs)
    std::vector<std::string> addresses;     // A / AAAA, as text ("192.0.2.1", "2001:db8::1")
    std::vector<Mx> mx;                     // MX, in the order received
    std::vector<std::string> txt;           // TXT: each record's strings concatenated
    std::vector<std::string> names;         // PTR / CNAME / NS targets: lower case, no trailing dot
    std::vector<std::string> rdata;         // raw RDATA of any other type (TLSA, SOA, SRV)
};

struct Options {
    std::string zone_file;      // dns_zone_file: answer from this file only (no network at all)
    // dns_forwarder: addresses ("192.0.2.53", "2001:db8::53", "127.0.0.1@5353")
    // to forward to, separated by commas or white space; "" = resolv.conf's
    // nameservers (a missing resolv.conf: full recursion from the root).
    std::string forwarder;
    std::string resolv_conf = "/etc/resolv.conf";
    std::string trust_anchor_file;  // DNSSEC root key; "" = no validation (unused with zone_file)
    // dns_timeout: past it a lookup is cancelled and answers TempFail.
    std::chrono::milliseconds timeout = std::chrono::seconds(10);

    static Options from_config(const config::Config& cfg);
};

class Query {
public:
    virtual ~Query() = default;
};

class Resolver {
public:
    using Done = std::function<void(const Answer&)>;
    virtual ~Resolver() = default;
    // Errors: an unreadable or malformed zone file (FILE:LINE: problem), a bad
    // forwarder, a trust anchor file libunbound cannot load. base must outlive
    // the Resolver and its Queries.
    [[nodiscard]] static Result<std::unique_ptr<Resolver>> create(event_base* base, const Options& opts);
    // name: a domain name with or without the trailing dot. A name that
    // cannot exist (empty label, label over 63 or name over 255 octets)
    // answers NxDomain. Never null; done runs once, later, from the loop.
    virtual std::unique_ptr<Query> query(std::string_view name, RrType type, Done done) = 0;
};

// The reverse-lookup name of an IPv4 or IPv6 address under suffix:
// reverse_name("192.0.2.1", "zen.example") == "1.2.0.192.zen.example";
// suffix "in-addr.arpa"/"ip6.arpa" give the PTR names. Empty for a bad address.
std::string reverse_name(std::string_view ip, std::string_view suffix);

}  // namespace tern::dns
