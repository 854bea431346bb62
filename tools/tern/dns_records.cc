// tern dns-records [DOMAIN] [--ip ADDRESS]...
#include "tools/tern/dns_records.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "libmail/config/config.h"
#include "libmail/config/master_cf.h"
#include "libmail/config/params_global.h"
#include "libmail/core/file_io.h"
#include "libmail/core/text.h"
#include "libmail/dkim/key_text.h"
#include "libmail/dkim/signing_table.h"
#include "libmail/dns/resolver.h"
#include "tools/tern/tern.h"

namespace tern::cli {

namespace {

bool override_is(const config::MasterEntry& e, std::string_view name, std::string_view value) {
    for (const auto& [n, v] : e.overrides)
        if (n == name && iequals(v, value)) return true;
    return false;
}

int service_port(const std::string& service) {
    const auto colon = service.rfind(':');
    const std::string port = colon == std::string::npos ? service : service.substr(colon + 1);
    if (!port.empty() && std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return port.size() <= 5 ? std::stoi(port) : 0;
    if (const servent* s = ::getservbyname(port.c_str(), "tcp")) return ntohs(static_cast<std::uint16_t>(s->s_port));
    return 0;
}

// Global unicast only: the ranges below never reach a receiver from the internet.
bool is_public(const sockaddr* sa) {
    if (sa->sa_family == AF_INET) {
        const auto a = ntohl(reinterpret_cast<const sockaddr_in*>(sa)->sin_addr.s_addr);
        const auto in = [a](std::uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
        return !(in(0x00000000, 8) || in(0x0a000000, 8) || in(0x7f000000, 8) || in(0xa9fe0000, 16) ||
                 in(0xac100000, 12) || in(0xc0a80000, 16) || in(0x64400000, 10) || in(0xc0000200, 24) ||
                 in(0xc6336400, 24) || in(0xcb007100, 24) || a >= 0xe0000000);
    }
    if (sa->sa_family == AF_INET6) {
        const auto* b = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr.s6_addr;
        return (b[0] & 0xe0) == 0x20 && !(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8);
    }
    return false;
}

std::string record(const std::string& owner, const std::string& type, const std::string& data) {
    return owner + "\tIN " + type + "\t" + data + "\n";
}

}  // namespace

std::vector<SrvService> srv_services(const std::string& master_cf_text, const std::string& filename) {
    auto entries = config::parse_master_cf(master_cf_text, filename);
    if (!entries) throw std::runtime_error(entries.error().message);
    std::vector<SrvService> out;
    auto add = [&](const char* name, const config::MasterEntry& e) {
        const int port = service_port(e.service);
        if (port <= 0) return;
        for (const auto& s : out)
            if (s.name == name) return;  // the first such service is the one to advertise
        out.push_back({name, port});
    };
    for (const auto& e : *entries) {
        if (e.type != config::ServiceType::Inet) continue;
        if (e.command == "smtpd") {
            if (override_is(e, "smtpd_tls_wrappermode", "yes")) add("_submissions._tcp", e);
            else if (override_is(e, "smtpd_sasl_auth_required", "yes")) add("_submission._tcp", e);
        } else if (e.command == "imapd") {
            add(override_is(e, "imapd_tls_wrappermode", "yes") ? "_imaps._tcp" : "_imap._tcp", e);
        } else if (e.command == "pop3d") {
            add(override_is(e, "pop3d_tls_wrappermode", "yes") ? "_pop3s._tcp" : "_pop3._tcp", e);
        }
    }
    return out;
}

std::vector<std::string> public_addresses() {
    std::vector<std::string> out;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return out;
    for (const ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr || !is_public(i->ifa_addr)) continue;
        char text[INET6_ADDRSTRLEN] = {};
        const void* raw = i->ifa_addr->sa_family == AF_INET
                              ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr)
                              : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr);
        if (::inet_ntop(i->ifa_addr->sa_family, raw, text, sizeof text) &&
            std::find(out.begin(), out.end(), text) == out.end())
            out.emplace_back(text);
    }
    ::freeifaddrs(list);
    return out;
}

std::string format_dns_records(const DnsRecordsInput& in) {
    const std::string d = in.domain + ".";
    const std::string host = in.mail_host + ".";
    std::string o;
    o += "; DNS records for " + in.domain + " with its mail served by " + in.mail_host + " (Tern).\n"
         "; Paste them into the zone of " + in.domain + "; the PTR records go to whoever\n"
         "; provides the addresses.\n"
         "$TTL 3600\n\n";
    o += "; Where mail for " + in.domain + " goes.\n" + record(d, "MX", "10 " + host);
    o += "\n; The mail host's addresses.\n";
    if (in.addresses.empty()) {
        o += "; No public address was found on this machine: add the mail host's A and\n"
             "; AAAA records yourself, or run again with --ip ADDRESS.\n";
    }
    for (const auto& a : in.addresses) o += record(host, a.find(':') == std::string::npos ? "A" : "AAAA", a);
    o += "\n; SPF (RFC 7208): the MX hosts send the domain's mail; everything else fails.\n" +
         record(d, "TXT", "\"v=spf1 mx -all\"");
    o += "\n; DKIM (RFC 6376): the public half of each signing key.\n";
    if (in.dkim_records.empty())
        o += "; No DKIM key for " + in.domain + " yet: create one with\n;   tern dkim keygen " + in.domain + "\n";
    for (const auto& r : in.dkim_records) o += r + (r.empty() || r.back() != '\n' ? "\n" : "");
    o += "\n; DMARC (RFC 7489): start with p=none and read the aggregate reports\n"
         "; (tern dmarc report); once every legitimate source passes, move to\n"
         "; p=quarantine, then to p=reject.\n" +
         record("_dmarc." + d, "TXT", "\"v=DMARC1; p=none; rua=mailto:" + in.report_address + "\"");
    o += "\n; MTA-STS (RFC 8461): also serve https://mta-sts." + in.domain + "/.well-known/mta-sts.txt\n"
         "; containing these lines, and change the id whenever the policy changes:\n"
         ";   version: STSv1\n;   mode: testing\n;   mx: " + in.mail_host + "\n;   max_age: 604800\n" +
         record("_mta-sts." + d, "TXT", "\"v=STSv1; id=" + in.sts_id + "\"");
    o += "\n; TLS-RPT (RFC 8460): where senders report TLS trouble.\n" +
         record("_smtp._tls." + d, "TXT", "\"v=TLSRPTv1; rua=mailto:" + in.report_address + "\"");
    o += "\n; Client autoconfiguration (RFC 6186, RFC 8314): the services in master.cf.\n";
    for (const auto& s : in.services) o += record(s.name + "." + d, "SRV", "0 1 " + std::to_string(s.port) + " " + host);
    o += "\n; Reverse DNS: receivers check that each address's PTR name resolves back\n"
         "; to it (forward-confirmed reverse DNS). Ask the address provider to set:\n";
    for (const auto& a : in.addresses) {
        const std::string ptr = dns::reverse_name(a, a.find(':') == std::string::npos ? "in-addr.arpa" : "ip6.arpa");
        if (!ptr.empty()) o += record(ptr + ".", "PTR", host);
    }
    return o;
}

int cmd_dns_records(const Options& o) {
    DnsRecordsInput in;
    std::vector<std::string> ips;
    for (std::size_t i = 0; i < o.args.size(); ++i) {
        if (o.args[i] == "--ip" && i + 1 < o.args.size()) {
            ips.push_back(o.args[++i]);
        } else if (!o.args[i].empty() && o.args[i][0] != '-' && in.domain.empty()) {
            in.domain = to_lower(o.args[i]);
        } else {
            std::fprintf(stderr, "usage: tern dns-records [DOMAIN] [--ip ADDRESS]...\n");
            return 2;
        }
    }
    for (const auto& ip : ips) {
        if (dns::reverse_name(ip, "in-addr.arpa").empty()) {
            std::fprintf(stderr, "tern: dns-records: not an IP address: %s\n", ip.c_str());
            return 2;
        }
    }
    auto cfg = config::Config::load(o.config_dir);
    if (!cfg) throw std::runtime_error(cfg.error().message);
    if (in.domain.empty()) in.domain = cfg->get(config::kMyDomain);
    in.mail_host = cfg->get(config::kMyHostname);
    in.addresses = ips.empty() ? public_addresses() : ips;
    in.report_address = "postmaster@" + in.domain;
    const std::time_t now = std::time(nullptr);
    char day[16];
    std::strftime(day, sizeof day, "%Y%m%d", std::gmtime(&now));
    in.sts_id = day;
    const std::string master_path = o.config_dir + "/master.cf";
    auto master = read_file(master_path, config::kMaxMasterCfBytes);
    if (!master) throw std::runtime_error(master.error().message);
    in.services = srv_services(*master, master_path);
    for (const auto& key : dkim::configured_keys(*cfg, in.domain)) {
        if (!key.error.empty()) {
            std::fprintf(stderr, "tern: dns-records: DKIM key %s: %s\n", key.name.c_str(), key.error.c_str());
            continue;
        }
        in.dkim_records.push_back(dkim::zone_txt_line(key.selector, key.domain, key.record));
    }
    std::fputs(format_dns_records(in).c_str(), stdout);
    return 0;
}

}  // namespace tern::cli
