// RDATA decoders for the answers libunbound hands back (RFC 1035 3.3 wire
// format; libunbound has already expanded compression, so a pointer here is
// malformed). Used by Resolver to fill Answer. The data comes from the network:
// every length is checked against the bytes present, and anything malformed
// gives nullopt, never a read past the end.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "libmail/dns/resolver.h"

namespace tern::dns {

using Bytes = std::span<const unsigned char>;

// Decodes one uncompressed domain name starting at pos and advances pos past
// it. The result is lower case, without the trailing dot ("" for the root);
// octets other than letters, digits, '-' and '_' are written \DDD (RFC 1035
// 5.1) so that a label holding '.' cannot pass for two labels.
// nullopt: a compression pointer or extended label type, a label running past
// the data, or a name over 255 octets (RFC 1035 2.3.4).
std::optional<std::string> decode_name(Bytes wire, std::size_t& pos);

// A 4-octet A or 16-octet AAAA RDATA as text.
std::optional<std::string> decode_address(RrType type, Bytes rdata);
// MX: preference then exchange, which must end the RDATA (null MX: host "").
std::optional<Mx> decode_mx(Bytes rdata);
// TXT: the character-strings of one record, concatenated (RFC 7208 3.3).
std::optional<std::string> decode_txt(Bytes rdata);
// PTR, CNAME, NS: one name that fills the RDATA.
std::optional<std::string> decode_target(Bytes rdata);

}  // namespace tern::dns
