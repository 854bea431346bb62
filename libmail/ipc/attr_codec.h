// The one encoding for every request and reply between Tern processes
// (DESIGN.md "Talking between processes"): a list of named attributes, each
//   name length (4 bytes, big-endian) + name + value length (4 bytes) + value
// ended by a record whose name length is 0. The whole message has a size limit;
// a malformed message from one of our own processes is a bug in the sender
// (the reader logs panic or drops the connection, never guesses).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::ipc {

inline constexpr std::size_t kMaxAttrNameBytes = 256;
inline constexpr std::size_t kDefaultMaxMessageBytes = 1024 * 1024;

class AttrList {
public:
    AttrList() = default;
    AttrList(std::initializer_list<std::pair<std::string, std::string>> init) : items_(init) {}

    AttrList& add(std::string name, std::string value) {
        items_.emplace_back(std::move(name), std::move(value));
        return *this;
    }
    // First value of name, or nullopt.
    std::optional<std::string_view> get(std::string_view name) const;
    // First value of name, or fallback.
    std::string get_or(std::string_view name, std::string_view fallback) const;
    // Every value of name, in order (repeated attributes carry lists).
    std::vector<std::string_view> get_all(std::string_view name) const;
    const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
    bool empty() const { return items_.empty(); }

private:
    std::vector<std::pair<std::string, std::string>> items_;
};

// Names must be 1..kMaxAttrNameBytes bytes (they are our own constants): an empty
// or longer name is a bug and panics. Values may be empty and hold any bytes.
std::string encode(const AttrList& attrs);

enum class DecodeStatus { Ok, NeedMore, TooLarge, Malformed };

// Decodes one message from the front of buf. On Ok, consumed says how many bytes
// it used. NeedMore: buf holds a valid prefix shorter than max_bytes.
DecodeStatus decode(std::string_view buf, std::size_t max_bytes, AttrList& out, std::size_t& consumed);

}  // namespace tern::ipc
