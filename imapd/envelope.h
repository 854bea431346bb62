// What imapd derives from a message's header: a small RFC 5322 header parser
// (unfolding, bounded by the message it reads), address lists, the IMAP
// ENVELOPE structure (RFC 3501 7.4.2) and IMAP string quoting. Values are
// passed through undecoded (RFC 2047 words stay encoded, as the RFC wants).
// Every string it produces is a valid IMAP nstring: quoted when that is
// safe, else a literal "{n}\r\n...".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::imapd {

struct HeaderField {
    std::string name;   // as written, without the colon
    std::string value;  // unfolded (CRLF before white space removed), trimmed
};

// Offset of the body in a message (just past the empty line); the message
// length when there is no empty line (all header, no body).
std::size_t body_offset(std::string_view message);

// The header block: everything before body_offset() (its empty line included).
std::string_view header_block(std::string_view message);

// Parses a header block (CRLF or LF line ends). Lines without a colon that are
// not continuations are skipped. At most kMaxHeaderFields fields are kept.
inline constexpr std::size_t kMaxHeaderFields = 1000;
std::vector<HeaderField> parse_header(std::string_view block);

// The first field named name (case-insensitive), or nullptr.
const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name);

// An IMAP string: quoted when every byte is printable 7-bit text, else a
// literal. quote_nstring(nullopt) is NIL.
std::string imap_string(std::string_view s);
std::string imap_nstring(const std::optional<std::string>& s);
// A literal, always: "{n}\r\n" + bytes.
std::string imap_literal(std::string_view s);

// One address of an address list. A group start has mailbox = group name and
// host empty (nullopt); a group end has both nullopt (RFC 3501 7.4.2).
struct Address {
    std::optional<std::string> name;
    std::optional<std::string> mailbox;
    std::optional<std::string> host;
    bool group_start = false;
    bool group_end = false;
};
// Parses an RFC 5322 address-list leniently (quoted strings, comments, angle
// addresses, groups). Invalid parts are skipped, never an error.
std::vector<Address> parse_address_list(std::string_view value);

// "((name adl mailbox host) ...)" or NIL when empty.
std::string format_address_list(const std::vector<Address>& list);

// The ENVELOPE of a message from its header block:
// (date subject from sender reply-to to cc bcc in-reply-to message-id).
// sender and reply-to default to from when absent (RFC 3501 7.4.2).
std::string envelope(std::string_view header);

// Header lines (raw, with folding) whose names are in / not in names,
// followed by the empty line: BODY[HEADER.FIELDS (...)] and .NOT.
std::string header_fields(std::string_view header, const std::vector<std::string>& names, bool negate);

}  // namespace tern::imapd
