// The Received header smtpd prepends (RFC 5321 4.4), in Postfix's shape so
// that header parsers written for Postfix keep working:
//   Received: from HELO (NAME [IP])
//   	by MYHOSTNAME (MAIL_NAME) with ESMTP id QUEUEID
//   	for <RCPT>; Wed, 25 Nov 2026 05:21:32 +0000 (UTC)
// smtpd_tls_received_header adds "(using TLSv1.3 with cipher ...)" after the
// from clause; smtpd_hide_client_address drops the from clause (submission).
// Lines end in LF (the queue convention). Peer text is made printable first.
#pragma once

#include <ctime>
#include <string>

namespace tern::smtpd {

struct ReceivedInfo {
    std::string helo;          // as the client sent it; empty: "unknown"
    std::string client_name;   // forward-confirmed reverse DNS name, or "unknown"
    std::string client_addr;   // "192.0.2.1" or "2001:db8::1" (shown as IPv6:...)
    std::string myhostname;
    std::string mail_name;     // "Tern"
    std::string protocol;      // "SMTP" or "ESMTP"
    std::string queue_id;
    std::string rcpt;          // set only when the message has one recipient
    std::string tls;           // "TLSv1.3 with cipher ... (256/256 bits)" when shown
    bool hide_client = false;  // smtpd_hide_client_address: no "from" clause at all
    std::time_t when = 0;
};

std::string received_header(const ReceivedInfo& r);

}  // namespace tern::smtpd
