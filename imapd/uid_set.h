// Writing sets of numbers the way IMAP responses carry them (RFC 9051 9
// sequence-set): runs of consecutive numbers as "lo:hi", e.g. COPYUID's
// "4,7:9".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "imapd/parser.h"

namespace tern::imapd {

// The numbers in the order given, consecutive ascending runs joined.
std::string format_uid_set(const std::vector<std::uint32_t>& numbers);

// The UIDs in set (with "*" as max_uid, nothing above max_uid) that are not
// in present (ascending), as a uid-set; empty when there are none. Works on
// ranges, so "1:4294967295" costs the size of present, not of the range.
std::string absent_uids(const SequenceSet& set, const std::vector<std::uint32_t>& present, std::uint32_t max_uid);

}  // namespace tern::imapd
