// The text source of hash:, btree: and texthash: tables, in Postfix's syntax:
// "key whitespace value", '#' comment lines, blank lines, and lines that start
// with white space continuing the previous one. Keys are lower-cased (these
// table types are case-insensitive). Shared by texthash: and postmap, so a
// table means the same whichever way it is read. Limits: file kMaxTableFileBytes,
// key and value kMaxKeyBytes / kMaxValueBytes each.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"

namespace tern::maps {

inline constexpr std::size_t kMaxTableFileBytes = 64 * 1024 * 1024;
inline constexpr std::size_t kMaxKeyBytes = 64 * 1024;
inline constexpr std::size_t kMaxValueBytes = 64 * 1024;

struct TableEntry {
    std::string key;    // lower-cased
    std::string value;  // trimmed; continuation lines joined with one space
    int line = 0;       // first line of the entry
};

struct TableText {
    std::vector<TableEntry> entries;    // in file order, first of duplicate keys kept
    std::vector<std::string> warnings;  // "FILE:LINE: duplicate entry: \"key\""
};

// What to do with a key seen again: Postfix postmap's default (warn, keep the
// first), -w (keep the first silently) and -r (the later line replaces).
enum class Duplicates { Warn, Ignore, Replace };

// Parses table text; errors read "FILE:LINE: expected format: key whitespace value"
// and similar, with `filename` as given.
[[nodiscard]] Result<TableText> parse_table_text(std::string_view text, const std::string& filename,
                                                Duplicates dups = Duplicates::Warn);

// Reads path (at most kMaxTableFileBytes) and parses it.
[[nodiscard]] Result<TableText> read_table_file(const std::string& path,
                                               Duplicates dups = Duplicates::Warn);

// Splits a logical-line text into logical lines: each with its first physical
// line number, comments and blank lines dropped, continuation lines joined with
// one space. Used by the text table and the pcre table parsers. An error names
// FILE:LINE for a continuation line with nothing to continue.
struct LogicalLine {
    std::string text;
    int line = 0;
};
[[nodiscard]] Result<std::vector<LogicalLine>> logical_lines(std::string_view text,
                                                             const std::string& filename);

}  // namespace tern::maps
