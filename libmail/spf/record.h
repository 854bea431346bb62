// An SPF record (RFC 7208 sections 4.5, 4.6, 5, 6 and 12): "v=spf1" followed
// by directives and modifiers separated by spaces. Parsing checks the whole
// grammar, macro-strings included, so that a record with any syntax error is
// a permerror before a single mechanism is evaluated (section 4.6).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"
#include "libmail/spf/address.h"

namespace tern::spf {

// A TXT string longer than this is not taken as a record (one DNS message
// of 64 KiB could otherwise hold one); real records are a few hundred octets.
inline constexpr std::size_t kMaxRecordOctets = 4096;

enum class Qualifier { Pass, Fail, SoftFail, Neutral };  // + - ~ ?
enum class MechanismKind { All, Include, A, Mx, Ptr, Ip4, Ip6, Exists };

struct Mechanism {
    Qualifier qualifier = Qualifier::Pass;
    MechanismKind kind = MechanismKind::All;
    std::string domain;   // domain-spec (macro-string); "" = the current <domain> (a, mx, ptr)
    Address network;      // ip4 / ip6
    int cidr4 = 32;       // ip4, a, mx
    int cidr6 = 128;      // ip6, a, mx
    std::string text;     // the term as written, e.g. "-all", "ip4:192.0.2.0/24"
};

struct Record {
    std::vector<Mechanism> mechanisms;
    std::optional<std::string> redirect;  // domain-spec
    std::optional<std::string> exp;       // domain-spec
    bool has_all() const;
};

// Whether a TXT string is an SPF record: "v=spf1" alone or followed by a
// space (section 4.5; compared without regard to case).
bool is_spf_record(std::string_view txt);

// Parses a whole record. Errors say what is wrong and where:
// "term 2 \"ip4:192.0.2.300\" (offset 7): bad IPv4 network \"192.0.2.300\"".
[[nodiscard]] tern::Result<Record> parse_record(std::string_view text);

}  // namespace tern::spf
