// The text IMAP SEARCH BODY and TEXT look in (RFC 9051 6.4.4 says "text"
// means decoded content): text/* bodies decoded from their transfer encoding
// and converted from their charset to UTF-8. Header values for SEARCH HEADER,
// SUBJECT, FROM ... are decode_encoded_words() of HeaderField::value.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/mime/structure.h"

namespace tern::mime {

// The body of a leaf as UTF-8 text: transfer encoding undone (an unknown one
// leaves the bytes as they are), charset converted (an unknown charset keeps
// the bytes, repaired to valid UTF-8). At most max_octets of the body are read.
[[nodiscard]] std::string leaf_text(std::string_view message, const Entity& leaf, std::size_t max_octets);

// leaf_text of every text/* leaf in the message, in order, reading at most
// max_octets of bodies in all.
[[nodiscard]] std::vector<std::string> body_texts(std::string_view message, const Structure& s,
                                                  std::size_t max_octets);

}  // namespace tern::mime
