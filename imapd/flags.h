// IMAP system flags and Maildir flag letters (Maildir "info" semantics,
// RFC 3501 2.3.2): D \Draft, F \Flagged, R \Answered, S \Seen, T \Deleted.
// Letter strings are kept sorted and without duplicates, as Maildir wants;
// letters imapd does not know (P, lower-case keywords) are kept untouched.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::imapd {

// The flags a client may store (PERMANENTFLAGS and FLAGS of SELECT).
inline constexpr std::string_view kSystemFlags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

// The Maildir letter of a system flag (case-insensitive), or nullopt for
// keywords and \Recent, which imapd does not store.
std::optional<char> flag_letter(std::string_view imap_flag);

// "(\Flagged \Seen $Forwarded)" from Maildir letters (in letter order) and
// keywords.
std::string format_flags(std::string_view letters, const std::vector<std::string>& keywords = {});

inline bool has_flag(std::string_view letters, char letter) { return letters.find(letter) != std::string_view::npos; }

}  // namespace tern::imapd
