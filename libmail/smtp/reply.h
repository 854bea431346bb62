// SMTP replies (RFC 5321 4.2): a three-digit code, an RFC 3463 enhanced status
// code, and text; one line or several ("250-..." continuation lines). Used by
// smtpd and by anything that formats or parses a reply. Formatting never lets
// a CR or LF from the text break the reply into extra lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tern::smtp {

struct Reply {
    int code = 0;            // 200..599
    std::string status;      // enhanced status "5.5.2"; empty for replies without one (220, EHLO lines)
    std::string text;

    bool is_error() const { return code >= 400; }
    // "CODE STATUS TEXT" without CRLF, for log lines.
    std::string line() const;
};

// One reply line, CRLF-terminated. CR/LF inside text become spaces.
std::string format_reply(const Reply& r);
// A multi-line reply: every line but the last is "CODE-...", the last "CODE ...".
// status (when not empty) is put on every line (RFC 2034 3). Empty lines -> one line of text "".
std::string format_multiline(int code, std::string_view status, const std::vector<std::string>& lines);

}  // namespace tern::smtp
