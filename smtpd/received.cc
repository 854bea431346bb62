#include "smtpd/received.h"

#include "libmail/cleanup/mail_date.h"
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
    h += "; " + cleanup::rfc5322_date(r.when, true) + "\n";
    return h;
}

}  // namespace tern::smtpd
