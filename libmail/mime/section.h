// IMAP section lookup (RFC 9051 6.4.5, RFC 3501 6.4.5): which bytes of a
// message BODY[section]<partial> and BINARY[section] serve, as ranges of the
// message so that FETCH can stream them without a copy. Part numbers follow
// the RFC: part 1 of a non-multipart message is its body, N.MIME is part N's
// MIME header, and the parts of a message/rfc822 part are those of the
// message it encapsulates (HEADER, TEXT and HEADER.FIELDS apply to it).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/mime/range.h"
#include "libmail/mime/structure.h"

namespace tern::mime {

enum class SectionText { Full, Header, HeaderFields, HeaderFieldsNot, Text, Mime };

struct Section {
    std::vector<std::uint32_t> part;  // empty: the whole message
    SectionText text = SectionText::Full;
    std::vector<std::string> fields;  // for HeaderFields / HeaderFieldsNot (case-insensitive)
};

// What a section holds: the ranges of the message in order, then trailer (a
// static string: the empty line that ends a HEADER.FIELDS result, which the
// message may not have). The line end style of trailer follows the header's.
struct SectionBytes {
    std::vector<Range> ranges;
    std::string_view trailer;

    [[nodiscard]] std::uint64_t size() const;
    // The bytes, copied (for small sections and tests).
    [[nodiscard]] std::string to_string(std::string_view message) const;
};

// A part as a section number names it.
struct Part {
    const Entity* entity = nullptr;   // its body is the part's content, its header the part's MIME header
    const Entity* message = nullptr;  // the message HEADER/TEXT refer to; nullptr when the part is not one
};

// The part a number names, or nullopt when there is none. An empty path is
// the message itself.
[[nodiscard]] std::optional<Part> find_part(const Structure& s, std::span<const std::uint32_t> path);

// The bytes of section, or nullopt when the message has no such section
// (a part number that does not exist, HEADER or TEXT of a part that is not a
// message, MIME without a part number).
[[nodiscard]] std::optional<SectionBytes> find_section(std::string_view message, const Structure& s,
                                                       const Section& section);

// The <origin.count> slice of bytes (RFC 9051 6.4.5): empty when origin is
// past the end, shorter when fewer than count octets follow it.
[[nodiscard]] SectionBytes partial(const SectionBytes& bytes, std::uint64_t origin, std::uint64_t count);

}  // namespace tern::mime
