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

// "(\Flagged \Seen)" from Maildir letters, in letter order.
std::string format_flags(std::string_view letters);

enum class StoreMode { Replace, Add, Remove };

// The letters after STORE FLAGS / +FLAGS / -FLAGS with the given IMAP flags.
std::string apply_flags(std::string_view letters, StoreMode mode, const std::vector<std::string>& imap_flags);

inline bool has_flag(std::string_view letters, char letter) { return letters.find(letter) != std::string_view::npos; }

}  // namespace tern::imapd
