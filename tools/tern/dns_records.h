// tern dns-records: what a domain must publish in DNS for this server, as an
// RFC 1035 master file ready to paste into the zone (and loadable as it is
// with --zone, which is how the tests check it): MX, the mail host's
// addresses, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, the RFC 6186 SRV records
// and the PTR records the address provider must set.
#pragma once

#include <string>
#include <vector>

namespace tern::cli {

struct SrvService {
    std::string name;  // "_submission._tcp", "_imaps._tcp", ...
    int port = 0;
};

struct DnsRecordsInput {
    std::string domain;                   // the mail domain
    std::string mail_host;                // myhostname
    std::vector<std::string> addresses;   // the mail host's public addresses
    std::vector<std::string> dkim_records;  // complete TXT records (owner included), one per key
    std::string report_address;           // rua for DMARC and TLS-RPT
    std::string sts_id;                   // MTA-STS policy id (a date: 20261207)
    std::vector<SrvService> services;     // from master.cf
};

std::string format_dns_records(const DnsRecordsInput& in);

// The client-facing services master.cf offers, by the daemon and its TLS
// mode: smtpd with smtpd_tls_wrappermode (_submissions) or with AUTH
// required (_submission); imapd and pop3d, with or without wrappermode.
std::vector<SrvService> srv_services(const std::string& master_cf_text, const std::string& filename);

// This machine's global-scope addresses (no loopback, link-local, private,
// shared or unique-local ranges).
std::vector<std::string> public_addresses();

}  // namespace tern::cli
