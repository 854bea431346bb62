#include "libmail/dmarc/report_xml.h"

#include <arpa/inet.h>
#include <zlib.h>

#include <cstdio>
#include <map>
#include <tuple>

#include "libmail/sasl/sasl.h"

namespace tern::dmarc {

namespace {

// The identity of a row: entries equal in all of these are counted together.
using RowKey = std::tuple<std::string /*ip*/, Disposition, bool /*dkim*/, bool /*spf*/, bool /*sampled*/,
                          std::string /*header_from*/, std::string /*envelope_from*/, std::string /*spf domain*/,
                          std::string /*scope*/, std::string /*spf result*/, std::string /*dkim list*/>;

std::string full_ip(const std::string& ip) {
    in6_addr a6{};
    if (ip.find(':') == std::string::npos || inet_pton(AF_INET6, ip.c_str(), &a6) != 1) return ip;
    char buf[48];
    std::string out;
    for (int i = 0; i < 8; ++i) {
        std::snprintf(buf, sizeof buf, "%s%x", i ? ":" : "", (a6.s6_addr[2 * i] << 8) | a6.s6_addr[2 * i + 1]);
        out += buf;
    }
    return out;
}

std::string dkim_key(const std::vector<DkimInput>& dkim) {
    std::string k;
    for (const auto& d : dkim) k += d.domain + '\x1f' + d.selector + '\x1f' + d.result + '\x1e';
    return k;
}

// Appendix C SPFResultType / DKIMResultType: anything else is reported as the
// nearest defined value.
std::string spf_result(std::string_view r) {
    for (std::string_view ok : {"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"})
        if (r == ok) return std::string(r);
    return "none";
}

std::string dkim_result(std::string_view r) {
    for (std::string_view ok : {"none", "pass", "fail", "policy", "neutral", "temperror", "permerror"})
        if (r == ok) return std::string(r);
    return "fail";
}

void element(std::string& out, int indent, std::string_view name, std::string_view value) {
    out.append(static_cast<std::size_t>(indent) * 2, ' ');
    out += '<';
    out += name;
    out += '>';
    out += xml_escape(value);
    out += "</";
    out += name;
    out += ">\n";
}

void open(std::string& out, int indent, std::string_view name) {
    out.append(static_cast<std::size_t>(indent) * 2, ' ');
    out += '<';
    out += name;
    out += ">\n";
}

void close(std::string& out, int indent, std::string_view name) {
    out.append(static_cast<std::size_t>(indent) * 2, ' ');
    out += "</";
    out += name;
    out += ">\n";
}

}  // namespace

std::string xml_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:
                if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') out += c;  // XML 1.0 forbids the rest
        }
    }
    return out;
}

std::string build_report_xml(const ReportMeta& meta, std::string_view policy_domain, std::span<const Entry> entries) {
    std::map<RowKey, std::pair<std::uint64_t, const Entry*>> rows;
    const Entry* newest = nullptr;
    for (const auto& e : entries) {
        if (!newest || e.time >= newest->time) newest = &e;
        RowKey k{full_ip(e.source_ip), e.disposition, e.dkim_aligned, e.spf_aligned, e.sampled_out, e.header_from,
                 e.envelope_from, e.spf_domain, e.spf_scope, e.spf_result, dkim_key(e.dkim)};
        auto& row = rows[k];
        ++row.first;
        row.second = &e;
    }
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n";
    element(x, 1, "version", "1.0");
    open(x, 1, "report_metadata");
    element(x, 2, "org_name", meta.org_name);
    element(x, 2, "email", meta.email);
    if (!meta.extra_contact_info.empty()) element(x, 2, "extra_contact_info", meta.extra_contact_info);
    element(x, 2, "report_id", meta.report_id);
    open(x, 2, "date_range");
    element(x, 3, "begin", std::to_string(meta.begin));
    element(x, 3, "end", std::to_string(meta.end));
    close(x, 2, "date_range");
    close(x, 1, "report_metadata");
    open(x, 1, "policy_published");
    element(x, 2, "domain", policy_domain);
    if (newest) {
        element(x, 2, "adkim", newest->adkim == Alignment::Strict ? "s" : "r");
        element(x, 2, "aspf", newest->aspf == Alignment::Strict ? "s" : "r");
        element(x, 2, "p", to_string(newest->p));
        element(x, 2, "sp", to_string(newest->sp));
        element(x, 2, "pct", std::to_string(newest->pct));
        element(x, 2, "fo", newest->fo);
    }
    close(x, 1, "policy_published");
    for (const auto& [key, row] : rows) {
        const Entry& e = *row.second;
        open(x, 1, "record");
        open(x, 2, "row");
        element(x, 3, "source_ip", std::get<0>(key));
        element(x, 3, "count", std::to_string(row.first));
        open(x, 3, "policy_evaluated");
        element(x, 4, "disposition", to_string(e.disposition));
        element(x, 4, "dkim", e.dkim_aligned ? "pass" : "fail");
        element(x, 4, "spf", e.spf_aligned ? "pass" : "fail");
        if (e.sampled_out) {
            open(x, 4, "reason");
            element(x, 5, "type", "sampled_out");
            close(x, 4, "reason");
        }
        close(x, 3, "policy_evaluated");
        close(x, 2, "row");
        open(x, 2, "identifiers");
        element(x, 3, "envelope_from", e.envelope_from);
        element(x, 3, "header_from", e.header_from);
        close(x, 2, "identifiers");
        open(x, 2, "auth_results");
        for (const auto& d : e.dkim) {
            open(x, 3, "dkim");
            element(x, 4, "domain", d.domain);
            if (!d.selector.empty()) element(x, 4, "selector", d.selector);
            element(x, 4, "result", dkim_result(d.result));
            close(x, 3, "dkim");
        }
        open(x, 3, "spf");
        element(x, 4, "domain", e.spf_domain);
        element(x, 4, "scope", e.spf_scope);
        element(x, 4, "result", spf_result(e.spf_result));
        close(x, 3, "spf");
        close(x, 2, "auth_results");
        close(x, 1, "record");
    }
    x += "</feedback>\n";
    return x;
}

Result<std::string> gzip(std::string_view data) {
    z_stream z{};
    // 15 + 16: a gzip header and trailer instead of zlib's.
    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return Error("deflateInit2 failed");
    std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) return Error("gzip: deflate failed");
    return out;
}

std::string report_filename(const ReportMeta& meta, std::string_view policy_domain) {
    return meta.org_name + "!" + std::string(policy_domain) + "!" + std::to_string(meta.begin) + "!" +
           std::to_string(meta.end) + ".xml.gz";
}

std::string build_report_message(const ReportMeta& meta, std::string_view policy_domain, std::string_view sender,
                                  const std::vector<std::string>& recipients, std::string_view gz,
                                  std::string_view date) {
    const std::string boundary = "=_tern_dmarc_" + meta.report_id;
    const std::string file = report_filename(meta, policy_domain);
    std::string m;
    m += "From: <" + std::string(sender) + ">\r\n";
    m += "To: ";
    for (std::size_t i = 0; i < recipients.size(); ++i) m += (i ? ",\r\n <" : "<") + recipients[i] + ">";
    m += "\r\n";
    m += "Date: " + std::string(date) + "\r\n";
    m += "Subject: Report Domain: " + std::string(policy_domain) + " Submitter: " + meta.org_name +
         " Report-ID: <" + meta.report_id + ">\r\n";
    m += "Message-ID: <" + meta.report_id + "@" + meta.org_name + ">\r\n";
    m += "MIME-Version: 1.0\r\n";
    m += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
    m += "This is a multipart message in MIME format.\r\n\r\n";
    m += "--" + boundary + "\r\n";
    m += "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
    m += "This is a DMARC aggregate report (RFC 7489) from " + meta.org_name + " for " + std::string(policy_domain) +
         ",\r\ncovering " + std::to_string(meta.begin) + " to " + std::to_string(meta.end) + " (Unix time).\r\n\r\n";
    m += "--" + boundary + "\r\n";
    m += "Content-Type: application/gzip; name=\"" + file + "\"\r\n";
    m += "Content-Transfer-Encoding: base64\r\n";
    m += "Content-Disposition: attachment; filename=\"" + file + "\"\r\n\r\n";
    const std::string b64 = sasl::encode_base64(gz);
    for (std::size_t i = 0; i < b64.size(); i += 76) m += b64.substr(i, 76) + "\r\n";
    m += "--" + boundary + "--\r\n";
    return m;
}

}  // namespace tern::dmarc
