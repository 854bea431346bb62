// IMAP command argument parser (RFC 3501 section 9, the subset imapd needs):
// atoms, quoted strings with \" and \\ escapes, literals, parenthesised lists
// and sequence sets. It reads one complete command as the session assembled
// it: every literal "{n}" / "{n+}" is followed by CRLF and exactly n bytes in
// the same text. Nothing here throws or reads past the text; every failure is
// a std::nullopt that the caller turns into "TAG BAD ...".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::imapd {

// One element of a sequence set; 0 stands for "*" (the largest number in use).
// lo <= hi is not required: "3:1" means 1:3 (RFC 3501 9, seq-range).
struct SeqRange {
    std::uint32_t lo = 0;
    std::uint32_t hi = 0;
    bool saved = false;  // "$": the saved SEARCH result (RFC 5182), resolved by the session
};
using SequenceSet = std::vector<SeqRange>;
// Whether set is "$" (RFC 5182 seq-last-command).
inline bool is_saved_result(const SequenceSet& set) { return set.size() == 1 && set.front().saved; }

// Whether n is in set when "*" means star (the highest sequence number or UID).
// A "$" element contains nothing: the session replaces it first.
bool seq_contains(const SequenceSet& set, std::uint32_t n, std::uint32_t star);

// Parses "1,3:5,7:*" as a whole string; nullopt on any syntax error or on 0.
std::optional<SequenceSet> parse_sequence_set(std::string_view text);

// The literal marker a command line ends with: "{12}" or "{12+}".
struct LiteralMarker {
    std::uint64_t size = 0;
    bool non_sync = false;  // LITERAL+ (RFC 7888): no "+ " continuation
};
// Recognises a literal marker at the end of a line (without CRLF).
std::optional<LiteralMarker> trailing_literal(std::string_view line);

class Parser {
public:
    explicit Parser(std::string_view text) : s_(text) {}

    bool at_end() const { return pos_ >= s_.size(); }
    bool peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
    // Consumes c when it is next.
    bool consume(char c);
    // Exactly one SP (RFC 3501 is strict about single spaces).
    bool space() { return consume(' '); }

    // The command tag: 1*<ASTRING-CHAR except "+">.
    std::optional<std::string> tag();
    // 1*ATOM-CHAR.
    std::optional<std::string> atom();
    // quoted / literal.
    std::optional<std::string> string();
    // atom (with "]" allowed) / string.
    std::optional<std::string> astring();
    // A mailbox pattern for LIST: list-chars (atom chars plus % * ]) or a string.
    std::optional<std::string> list_mailbox();
    // A flag: "\" atom or atom (keyword). "\*" is accepted too.
    std::optional<std::string> flag();
    // "(" [flag *(SP flag)] ")" or, when allow_bare, flags without parentheses.
    std::optional<std::vector<std::string>> flag_list(bool allow_bare);
    // A sequence set in the command text, or "$" (RFC 5182: one element with saved set).
    std::optional<SequenceSet> sequence_set();
    // A decimal number (number in RFC 3501: up to 2^32-1).
    std::optional<std::uint32_t> number();

    // Consumes the longest run of characters that satisfy pred (maybe none).
    std::string_view take_while(bool (*pred)(char));

    std::size_t pos() const { return pos_; }
    std::string_view rest() const { return s_.substr(pos_ < s_.size() ? pos_ : s_.size()); }

private:
    std::optional<std::string> quoted();
    std::optional<std::string> literal();

    std::string_view s_;
    std::size_t pos_ = 0;
};

// Character classes of RFC 3501 section 9.
bool is_atom_char(char c);
bool is_astring_char(char c);  // ATOM-CHAR / "]"
bool is_list_char(char c);     // ATOM-CHAR / "%" / "*" / "]"

}  // namespace tern::imapd
