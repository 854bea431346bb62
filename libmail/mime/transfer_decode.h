// Content-Transfer-Encoding decoding (RFC 2045 6) for FETCH BINARY[] (RFC
// 3516) and SEARCH BODY/TEXT. Lenient as real mail needs: base64 skips bytes
// outside its alphabet and decodes past stray padding; quoted-printable keeps
// malformed '=' sequences as they are. The output is never longer than the input.
#pragma once

#include <string>
#include <string_view>

#include "libmail/core/result.h"

namespace tern::mime {

enum class TransferEncoding { SevenBit, EightBit, Binary, QuotedPrintable, Base64, Unknown };

// The encoding a Content-Transfer-Encoding value names (case-insensitive,
// comments ignored); an empty value is 7bit (RFC 2045 6.1).
[[nodiscard]] TransferEncoding parse_transfer_encoding(std::string_view value);

[[nodiscard]] std::string decode_base64(std::string_view in);
[[nodiscard]] std::string decode_quoted_printable(std::string_view in);

// body decoded as the Content-Transfer-Encoding value says; 7bit, 8bit and
// binary are returned unchanged. An unknown encoding is an error (IMAP's
// [UNKNOWN-CTE], RFC 3516 4.3).
[[nodiscard]] Result<std::string> decode_transfer_encoding(std::string_view body, std::string_view encoding);

}  // namespace tern::mime
