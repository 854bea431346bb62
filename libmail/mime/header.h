// RFC 5322 header blocks for the MIME parser, ENVELOPE and SEARCH: finds where
// a header ends, splits it into fields (unfolded values, raw ranges kept for
// BODY[HEADER.FIELDS]) and looks fields up by name. CRLF and bare LF line ends
// are both accepted; 8-bit bytes are kept as they are. Never fails: lines that
// are not fields are skipped, and what lies beyond the limits is not parsed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/mime/range.h"

namespace tern::mime {

struct HeaderLimits {
    std::size_t max_fields = 1000;           // fields kept per header block
    std::size_t max_field_octets = 64 * 1024;  // longer values are cut here
    std::size_t max_block_octets = 1 << 20;  // lines starting beyond this are not parsed
};

struct HeaderField {
    std::string name;   // as written, without the colon and white space before it
    std::string value;  // unfolded (CR and LF removed), trimmed; RFC 2047 words still encoded
    Range raw;          // the field as written: name, continuation lines and its last line end
};

struct Header {
    std::vector<HeaderField> fields;  // in order of appearance
    bool truncated = false;           // a limit stopped the parse: some fields are missing

    // The first field named name (case-insensitive), or nullptr.
    [[nodiscard]] const HeaderField* find(std::string_view name) const;
    // Every field named name, in order.
    [[nodiscard]] std::vector<const HeaderField*> find_all(std::string_view name) const;
};

// Where the header block that starts at offset `from` of text ends: just past
// the empty line that ends it, or the end of text when there is none (then
// the whole rest is header and the body is empty).
[[nodiscard]] std::size_t header_end(std::string_view text, std::size_t from = 0);

// Parses the header lines in block (a range of text; parsing stops at the
// first empty line). Field ranges are offsets into text.
[[nodiscard]] Header parse_header(std::string_view text, Range block, const HeaderLimits& limits = {});
// The same for a text that starts with its header.
[[nodiscard]] Header parse_header(std::string_view text, const HeaderLimits& limits = {});

// True when name is a valid field name (RFC 5322 3.6.8: printable ASCII but ':').
[[nodiscard]] bool is_field_name(std::string_view name);

}  // namespace tern::mime
