// Structured MIME header fields (RFC 2045, RFC 2183, RFC 3282): Content-Type
// and Content-Disposition split into a type and parameters, with RFC 2045
// quoted strings and comments, RFC 2231 continuations and charsets joined and
// decoded; Content-Language lists; transfer-encoding tokens. Lenient as real
// mail needs (unquoted values with spaces or '=', stray text), bounded by the
// field it reads and kMaxParameters.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::mime {

inline constexpr std::size_t kMaxParameters = 64;        // kept per field, after RFC 2231 joining
inline constexpr std::size_t kMaxRawParameters = 256;    // name=value pairs read per field
inline constexpr std::size_t kMaxContinuationIndex = 999;

struct Parameter {
    std::string name;      // lower-case, without RFC 2231 "*" and "*N" suffixes
    std::string value;     // case kept; continuations joined; an RFC 2231 extended
                           // value percent-decoded and converted to UTF-8 (its bytes
                           // kept as they are when its charset is unknown)
    std::string charset;   // RFC 2231 charset, lower-case; empty for a plain value
    std::string language;  // RFC 2231 language, as written
    bool extended = false; // the value came from RFC 2231 "name*=" / "name*0*=" syntax
    bool operator==(const Parameter&) const = default;
};
using Parameters = std::vector<Parameter>;

// The first parameter named name (case-insensitive), or nullptr.
[[nodiscard]] const Parameter* find_parameter(const Parameters& params, std::string_view name);

struct ContentType {
    std::string type = "text";     // lower-case
    std::string subtype = "plain"; // lower-case
    Parameters parameters;
};

struct ContentDisposition {
    std::string type;  // lower-case: "inline", "attachment", ...
    Parameters parameters;
};

// "type/subtype *(; parameter)" or nullopt when type or subtype is not a
// token (RFC 2045 5.2: the caller then uses text/plain; charset=us-ascii).
[[nodiscard]] std::optional<ContentType> parse_content_type(std::string_view value);
// "type *(; parameter)" or nullopt when there is no type token.
[[nodiscard]] std::optional<ContentDisposition> parse_content_disposition(std::string_view value);
// The parameters of "*(; parameter)", RFC 2231 applied. Duplicates: the
// first wins, and an RFC 2231 value wins over a plain one of the same name.
[[nodiscard]] Parameters parse_parameters(std::string_view s);
// RFC 3282 Content-Language: the language tags, comments removed.
[[nodiscard]] std::vector<std::string> parse_language_list(std::string_view value);
// The first token of value, lower-case (Content-Transfer-Encoding: " Base64 (x)" -> "base64").
[[nodiscard]] std::string parse_token_value(std::string_view value);

}  // namespace tern::mime
