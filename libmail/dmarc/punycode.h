// Punycode (RFC 3492) encoding of one UTF-8 label into its IDNA A-label
// ("公司" -> "xn--55qx5d"), so that the Public Suffix List's UTF-8 rules also
// match the A-label names mail carries. No IDNA mapping or normalization:
// the list's rules are already lower case and NFC.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tern::dmarc {

// The A-label of label, or label itself when it is all ASCII; nullopt for
// invalid UTF-8 or a result over 63 octets.
[[nodiscard]] std::optional<std::string> to_alabel(std::string_view label);

}  // namespace tern::dmarc
