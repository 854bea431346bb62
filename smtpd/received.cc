#include "smtpd/received.h"

#include <cstdio>

#include "libmail/core/text.h"

namespace tern::smtpd {

namespace {

// Peer text inside a header: printable, no spaces that could fake structure.
std::string header_safe(std::string_view s) {
    std::string out = printable(s, 255);
    for (char& c : out)
        if (c == ' ' || c == '(' || c == ')') c = '?';
    return out;
}

}  // namespace

std::string rfc5322_date_utc(std::time_t t) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000 (UTC)", kDays[tm.tm_wday], tm.tm_mday,
                  kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::string received_header(const ReceivedInfo& r) {
    const bool v6 = r.client_addr.find(':') != std::string::npos;
    std::string h = "Received: ";
    if (!r.hide_client) {
        h += "from ";
        h += r.helo.empty() ? std::string("unknown") : header_safe(r.helo);
        h += " (";
        h += r.client_name.empty() ? std::string("unknown") : header_safe(r.client_name);
        h += v6 ? " [IPv6:" : " [";
        h += r.client_addr;
        h += "])\n\t";
        if (!r.tls.empty()) h += "(using " + r.tls + ")\n\t";
    }
    h += "by ";
    h += r.myhostname;
    h += " (" + r.mail_name + ") with " + r.protocol + " id " + r.queue_id;
    if (!r.rcpt.empty()) h += "\n\tfor <" + printable(r.rcpt, 300) + ">";
    h += "; " + rfc5322_date_utc(r.when) + "\n";
    return h;
}

}  // namespace tern::smtpd
