// The message on its way out: the queue stores it with LF line ends and
// without dot-stuffing; SMTP's DATA wants CRLF, a leading "." doubled and a
// final ".\r\n" (RFC 5321 4.1.1.4, 4.5.2). For a server without 8BITMIME,
// an 8-bit text message is converted to quoted-printable (RFC 6152 3,
// RFC 2045 6.7); a message that cannot be converted is refused, never sent as
// raw 8-bit. Pure code on strings: unit-tested.
#pragma once

#include <string>
#include <string_view>

#include "libmail/core/result.h"

namespace tern::smtp_client {

// True when any byte is above 127 (or NUL).
bool has_8bit(std::string_view s);

// DATA payload: CRLF line ends, dot-stuffed, ending in CRLF "." CRLF.
std::string encode_data(std::string_view message);

// The same, piece by piece, for a message sent as it is read.
class DataEncoder {
public:
    void add(std::string_view piece, std::string& out);  // appends the encoded piece
    void finish(std::string& out);                        // appends the end (CRLF if needed, ".", CRLF)

private:
    bool at_line_start_ = true;
    bool after_cr_ = false;  // the last byte written was '\r'
};

// Quoted-printable of a body with LF line ends (RFC 2045 6.7): lines at most
// 76 characters, soft breaks "=", "=" and 8-bit bytes and trailing blanks
// escaped. The output keeps LF line ends.
std::string quoted_printable(std::string_view body);

// Rewrites an 8-bit message so that it is 7-bit: the header gets
// Content-Transfer-Encoding: quoted-printable (and MIME-Version, and a text/plain
// Content-Type when none was given) and the body is QP-encoded. Only a message
// whose top-level type is text/* (or which has no MIME) can be converted; errors
// (multipart or other types, 8-bit bytes in the header, a base64/QP body that is
// 8-bit anyway) say why.
[[nodiscard]] Result<std::string> downgrade_8bit(std::string_view message);

}  // namespace tern::smtp_client
