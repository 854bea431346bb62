// MIME structure of a message for FETCH BODY / BODYSTRUCTURE (RFC 3501
// 7.4.2) and BODY[1.2...] part numbers (RFC 3501 6.4.5): a small walker over
// Content-Type boundaries, bounded in depth (kMaxMimeDepth) and in parts
// (kMaxMimeParts). Extension data is not produced (the grammar makes it
// optional), so BODY and BODYSTRUCTURE give the same text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::imapd {

inline constexpr int kMaxMimeDepth = 20;
inline constexpr std::size_t kMaxMimeParts = 1000;

// The body structure of a whole message (CRLF line ends).
std::string body_structure(std::string_view message);

// The entity (MIME header + body) of part path in message, or nullopt when the
// message has no such part. Part 1 of a non-multipart entity is the entity.
std::optional<std::string_view> find_part(std::string_view message, const std::vector<std::uint32_t>& path);

// The body of an entity (after its header block).
std::string_view part_body(std::string_view entity);

}  // namespace tern::imapd
