// The SPF macro language (RFC 7208 section 7): syntax checks done when a
// record is parsed, and expansion against one evaluation's context.
// %{p} needs DNS (a PTR walk); the evaluator computes it before expanding a
// string for which uses_validated_name() is true and passes it in the context.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libmail/spf/address.h"

namespace tern::spf {

// What a macro-string is used as: the argument of a mechanism or of
// redirect=/exp= (domain-spec: must end like a domain, no c/r/t), the value
// of an unknown modifier (macro-string), or the TXT text exp= points at
// (explain-string: spaces and c/r/t allowed).
enum class MacroKind { DomainSpec, MacroString, Explain };

struct MacroContext {
    std::string sender;         // %{s}: local-part@domain
    std::string local_part;     // %{l}
    std::string sender_domain;  // %{o}
    std::string domain;         // %{d}: the <domain> being checked now
    Address ip;                 // %{i} %{c} %{v}
    std::string validated;      // %{p}: "unknown" when there is none
    std::string helo;           // %{h}
    std::string receiver;       // %{r}
    std::int64_t now = 0;       // %{t}: seconds since the epoch
};

// An expansion longer than this is refused (a record of %{s} repeated could
// otherwise grow without bound).
inline constexpr std::size_t kMaxExpansionOctets = 8192;
// RFC 7208 section 4.8: longest domain name a query uses.
inline constexpr std::size_t kMaxDomainOctets = 253;

// "" when s is valid for kind, else what is wrong and where
// ("bad macro letter 'x' at offset 3").
std::string check_macro_syntax(std::string_view s, MacroKind kind);

// Whether s uses %{p} (either case).
bool uses_validated_name(std::string_view s);

// Expands s, which passed check_macro_syntax(s, kind). nullopt when the result
// would be longer than kMaxExpansionOctets. Upper-case letters are
// URL-escaped (RFC 3986 unreserved characters kept).
std::optional<std::string> expand_macros(std::string_view s, const MacroContext& ctx);

// RFC 7208 section 4.8: drops leading labels until the name is at most 253
// octets (a trailing dot is removed first).
std::string truncate_domain(std::string_view name);

}  // namespace tern::spf
