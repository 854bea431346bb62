// Case folding for IMAP SEARCH and SORT: Unicode simple case folding (the
// "C" and "S" rows of CaseFolding.txt) for the scripts mail is written in —
// Latin (Basic, Latin-1, Extended-A/B, Extended Additional), Greek, Cyrillic,
// Armenian, Georgian, Cherokee-free letterlike forms, Roman numerals,
// circled and fullwidth letters — as i;unicode-casemap (RFC 5051) needs.
// RFC 5051 also decomposes (NFKD); that step is left out, so "ﬁ" and "fi"
// stay different. Bytes that are not valid UTF-8 pass through unchanged.
#pragma once

#include <string>
#include <string_view>

namespace tern::imapd {

// The simple case folding of one code point (itself when it has none).
char32_t fold_code_point(char32_t c);

// s with every code point folded; ASCII-only input costs one pass.
std::string casefold(std::string_view s);

// Whether needle occurs in hay when both are case-folded (empty needle: true).
bool fold_contains(std::string_view hay, std::string_view needle);

}  // namespace tern::imapd
