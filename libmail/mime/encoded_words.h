// RFC 2047 encoded-words ("=?charset?B?...?=" and "=?charset?Q?...?=") in
// header values, decoded to UTF-8 for SEARCH and display. Any charset iconv(3)
// knows is accepted. Real mail is handled: words inside quoted strings or
// glued to other text, a multibyte character split over adjacent words, long
// words. A malformed word, or one in an unknown charset, is left as written.
#pragma once

#include <string>
#include <string_view>

namespace tern::mime {

// Longest encoded-text read in one word (RFC 2047 2 allows 75 octets for the
// whole word; senders write longer ones).
inline constexpr std::size_t kMaxEncodedWordOctets = 8192;

// value with its encoded-words decoded: white space between adjacent words
// dropped (RFC 2047 6.2), the rest kept, bytes outside words repaired to UTF-8.
[[nodiscard]] std::string decode_encoded_words(std::string_view value);

}  // namespace tern::mime
