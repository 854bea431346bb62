// The MIME structure of a message (RFC 2045, RFC 2046) as imapd needs it for
// BODYSTRUCTURE/BODY with extension data (RFC 9051 7.5.2), BODY[section],
// BINARY[] and SEARCH: a tree of entities, each with the ranges of its header
// and body in the message and its parsed Content-* fields. Real mail is
// handled: nested multiparts, a missing close delimiter (the part runs to the
// next outer delimiter or the end), transport padding or junk after a
// delimiter, preamble and epilogue, CRLF or LF line ends, 8-bit headers.
// Strict limits: past kMaxDepth, kMaxEntities or the header limits a body is
// opaque (application/octet-stream), never a crash or unbounded memory.
//
// Invariants the formatter can rely on: every range lies inside the message;
// a Multipart entity has at least one child and a multipart/* type; a Message
// entity has exactly one child (the encapsulated message) and type
// message/rfc822 or message/global; a Leaf is neither.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/mime/content_fields.h"
#include "libmail/mime/header.h"
#include "libmail/mime/range.h"

namespace tern::mime {

struct StructureLimits {
    std::size_t max_depth = 50;        // nested multiparts and messages below the top level
    std::size_t max_entities = 5000;   // entities in the whole tree
    std::size_t max_boundary_octets = 200;  // RFC 2046 5.1.1 allows 70
    HeaderLimits header;
};

enum class EntityKind { Leaf, Multipart, Message };

struct Entity {
    EntityKind kind = EntityKind::Leaf;
    // The MIME header (for the top level and an encapsulated message: the
    // message header), with the empty line that ends it when there is one.
    Range header;
    // The body. The line end before a multipart delimiter belongs to the
    // delimiter (RFC 2046 5.1.1), so it is not in the body of the part before it.
    Range body;
    // Text lines in the body: its LFs, plus one for a last line without a line
    // end (a part before a delimiter ends so). body.length is the size in octets.
    std::uint64_t body_lines = 0;

    // Effective Content-Type: defaults applied (RFC 2045 5.2: text/plain;
    // charset=us-ascii, or message/rfc822 in a multipart/digest, RFC 2046 5.1.5),
    // a multipart without boundary or without parts as text/plain, an entity
    // over a limit (or a message/rfc822 with a transfer encoding) as
    // application/octet-stream.
    ContentType content_type;
    std::string transfer_encoding = "7bit";  // lower-case token of Content-Transfer-Encoding
    std::optional<std::string> id;           // Content-ID, as written
    std::optional<std::string> description;  // Content-Description, RFC 2047 words still encoded
    std::optional<std::string> md5;          // Content-MD5 (RFC 1864)
    std::optional<ContentDisposition> disposition;
    std::vector<std::string> language;       // Content-Language tags (RFC 3282)
    std::optional<std::string> location;     // Content-Location (RFC 2557), white space removed
    bool over_limit = false;  // a limit stopped the parse here: the body is opaque or parts are missing

    // Multipart: the body parts in order. Message: one, the encapsulated message.
    std::vector<Entity> children;
};

struct Structure {
    Entity root;                  // the message itself
    std::size_t entity_count = 0; // entities in the tree
    bool over_limit = false;      // some entity is over_limit
};

// Parses message (CRLF or LF line ends). Never fails.
[[nodiscard]] Structure parse_structure(std::string_view message, const StructureLimits& limits = {});

// Lines as body_lines counts them, of range in text.
[[nodiscard]] std::uint64_t count_lines(std::string_view text, Range range);

}  // namespace tern::mime
