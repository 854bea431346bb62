// Writing sets of numbers the way IMAP responses carry them (RFC 9051 9
// sequence-set): runs of consecutive numbers as "lo:hi", e.g. COPYUID's
// "4,7:9".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tern::imapd {

// The numbers in the order given, consecutive ascending runs joined.
std::string format_uid_set(const std::vector<std::uint32_t>& numbers);

}  // namespace tern::imapd
