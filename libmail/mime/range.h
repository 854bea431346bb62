// A byte range of a message: what the MIME parser hands out instead of
// copies, so that imapd can stream a FETCH section from the message it holds.
// A range is only meaningful together with the text it was computed from.
#pragma once

#include <cstddef>
#include <string_view>

namespace tern::mime {

struct Range {
    std::size_t offset = 0;
    std::size_t length = 0;

    [[nodiscard]] std::size_t end() const { return offset + length; }
    // The bytes of this range in text (clipped to text, so never out of bounds).
    [[nodiscard]] std::string_view in(std::string_view text) const {
        if (offset >= text.size()) return {};
        return text.substr(offset, length);
    }
    bool operator==(const Range&) const = default;
};

}  // namespace tern::mime
