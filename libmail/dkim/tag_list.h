// The tag=value list of DKIM-Signature fields and DKIM key records (RFC 6376
// 3.2). Used by signature.cc and key_record.cc. A list is at most
// kMaxTagListOctets; tag names are case-sensitive; a tag seen twice makes the
// whole list invalid (RFC 6376 3.2: "MUST be treated as invalid").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"

namespace tern::dkim {

inline constexpr std::size_t kMaxTagListOctets = 64 * 1024;

struct Tag {
    std::string name;
    std::string value;            // leading and trailing white space removed; inner FWS kept
    std::size_t raw_begin = 0;    // offset of the first octet after '=' in the parsed text
    std::size_t raw_end = 0;      // offset of the ';' ending the value (or the text's end)
};

class TagList {
public:
    // The tag named `name` (case-sensitive), or nullptr.
    const Tag* find(std::string_view name) const;
    const std::vector<Tag>& tags() const { return tags_; }

private:
    friend Result<TagList> parse_tag_list(std::string_view text);
    std::vector<Tag> tags_;
};

// Errors: "duplicate tag X", "bad tag name", "missing '=' after tag X",
// "bad character in value of tag X", "tag list too long".
[[nodiscard]] Result<TagList> parse_tag_list(std::string_view text);

// The value with every white space octet (SP, HTAB, CR, LF) removed: how
// base64 values (b=, bh=, p=) and colon lists are read.
std::string strip_space(std::string_view value);

}  // namespace tern::dkim
