// The POP3 unique-id of a message (RFC 1939 7, UIDL): the base of its
// Maildir file name, the part before ":2,<flags>", without the ",U=<uid>"
// field the store records the IMAP UID in. Maildir gives every message a base
// name that is unique in the folder and never changes: not when IMAP sets
// flags (a rename of the info part), not on a restart, not when the index
// (tern-index) or the UIDVALIDITY record is lost, not when the store adds or
// renumbers ",U=". So a "leave mail on server" client never downloads a
// message twice.
// Invariant: the result is 1-70 octets of 0x21-0x7E (RFC 1939 7); a base name
// that is not (too long, spaces, 8-bit) is replaced by a digest of it.
#pragma once

#include <string>
#include <string_view>

namespace tern::pop3d {

// RFC 1939 7: "The unique-id of a message ... consists of one to 70 characters in the range 0x21 to 0x7E".
inline constexpr std::size_t kMaxUidlOctets = 70;

// The base name of a store file name ("cur/<base>:2,<flags>", or "new/<base>").
std::string_view maildir_base(std::string_view filename);
// base without its first ",U=<digits>" field (libmail/store base_with_uid).
std::string without_uid_field(std::string_view base);

// The UIDL for a message stored under filename: its base name (without
// ",U=") when that is a
// valid unique-id not starting with '~', else "~" and 40 hex digits of the
// SHA-256 of the base name. Base names are unique in a folder, and a plain
// UIDL never starts with '~', so two messages never share a UIDL (short of
// a 160-bit digest collision).
std::string uidl_for(std::string_view filename);

// "~" and 40 hex digits of the SHA-256 of text: a valid UIDL for any text.
std::string digest_uidl(std::string_view text);

}  // namespace tern::pop3d
