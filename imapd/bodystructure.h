// FETCH BODY and BODYSTRUCTURE (RFC 9051 7.5.2, RFC 3501 7.4.2) formatted
// from libmail/mime's structure of a message: BODY without extension data,
// BODYSTRUCTURE with it (MD5, disposition, language, location; a multipart's
// parameters). Types, subtypes and parameter names are sent in upper case, as
// RFC 3501's examples and most servers do; values as written.
#pragma once

#include <string>
#include <string_view>

#include "libmail/mime/structure.h"

namespace tern::imapd {

// message: CRLF line ends, as clients see it (sizes and line counts are of that text).
// decode_2231: RFC 2231 parameter values as text (IMAP4rev2); otherwise they
// are written again in RFC 2231 form, NAME* = charset'lang'%XX (IMAP4rev1).
std::string body_structure(std::string_view message, const mime::Structure& s, bool extended,
                           bool decode_2231 = false);

}  // namespace tern::imapd
