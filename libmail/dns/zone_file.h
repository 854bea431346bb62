// Zone file: a parser for RFC 1035 section 5 master files, the data behind
// dns_zone_file (tests and "try records before publishing"). Pure: text in,
// records out, no I/O except load_zone_file's bounded read. Every record it
// returns is valid for its type and has an absolute, lower-case owner; every
// error is "FILE:LINE: problem".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"
#include "libmail/dns/resolver.h"

namespace tern::dns {

// Limits on a zone file, enforced while reading it.
inline constexpr std::size_t kMaxZoneFileBytes = 16 * 1024 * 1024;
inline constexpr std::size_t kMaxZoneLineOctets = 65536;    // one physical line
inline constexpr std::size_t kMaxZoneRecords = 200000;
inline constexpr std::size_t kMaxZoneEntryOctets = 131072;  // one entry, parentheses joined
inline constexpr std::uint32_t kDefaultZoneTtl = 3600;      // without $TTL or an explicit TTL

struct ZoneRecord {
    std::string owner;  // absolute, lower case, with the trailing dot ("mail.example.")
    std::uint32_t ttl = 0;
    RrType type = RrType::A;
    // RDATA in canonical presentation form: names absolute and lower case,
    // addresses normalised, TXT strings quoted with \DDD escapes, TLSA hex.
    std::string rdata;
    int line = 0;  // where the record starts

    // "owner ttl IN TYPE rdata", the form libunbound's local data takes.
    std::string to_text() const;
};

// The mnemonic of a type ("MX"); "TYPEn" for one the parser does not know.
std::string type_name(RrType type);

// Parses master-file text. Supported: $ORIGIN (default "."), $TTL, "@",
// relative and absolute names, an omitted owner (the previous one), optional
// TTL and class IN in either order, parentheses across lines, ";" comments,
// quoted strings with \X and \DDD escapes, and the types A AAAA MX TXT PTR
// CNAME NS SOA TLSA SRV, TTLs in seconds or with BIND's units (1h30m), CRLF line
// ends. Names hold letters, digits, '-', '_', '/' and '*' (no escapes).
// Not supported (errors): $INCLUDE, $GENERATE, other classes and types.
// A CNAME beside other data at one name is an error (RFC 1034 3.6.2).
[[nodiscard]] Result<std::vector<ZoneRecord>> parse_zone_text(std::string_view text,
                                                              const std::string& filename);

// Reads (at most kMaxZoneFileBytes) and parses the file at path.
[[nodiscard]] Result<std::vector<ZoneRecord>> load_zone_file(const std::string& path);

}  // namespace tern::dns
