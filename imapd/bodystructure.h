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
std::string body_structure(std::string_view message, const mime::Structure& s, bool extended);

}  // namespace tern::imapd
