// Charset conversion to UTF-8 for SEARCH and display: RFC 2047 words, RFC
// 2231 parameter values and text bodies. Uses glibc's iconv(3), so any
// charset iconv knows works. Output is always valid UTF-8: bytes that are not
// valid in the source charset become U+FFFD.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tern::mime {

// Longest charset name passed to iconv; longer names are unknown charsets.
inline constexpr std::size_t kMaxCharsetNameOctets = 64;

// bytes converted from charset (case-insensitive, an RFC 2231 "*language"
// suffix ignored) to UTF-8, or nullopt when iconv does not know the charset.
// ISO-8859-1 is read as its superset windows-1252, as mail programs write it.
[[nodiscard]] std::optional<std::string> to_utf8(std::string_view bytes, std::string_view charset);

// s with every byte that is not part of valid UTF-8 replaced by U+FFFD.
[[nodiscard]] std::string repair_utf8(std::string_view s);

}  // namespace tern::mime
