// Bounded text helpers used by every parser: trimming, case-insensitive
// comparison, splitting, and number parsing that never throws and rejects
// trailing garbage. Nothing here allocates more than its input.
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern {

inline constexpr std::string_view kSpaceChars = " \t\r\n";

std::string_view trim(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);

// Splits at the first `sep`; second is empty when sep is absent.
std::pair<std::string_view, std::string_view> split_once(std::string_view s, char sep);

// Splits on any of `seps`, dropping empty pieces (Postfix list syntax uses ", \t\r\n").
std::vector<std::string_view> split_any(std::string_view s, std::string_view seps);

// Whole-string unsigned/signed number parse; nullopt on empty, junk or overflow.
template <class T>
std::optional<T> parse_number(std::string_view s) {
    T v{};
    const auto* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, v);
    if (s.empty() || ec != std::errc{} || p != end) return std::nullopt;
    return v;
}

// True when s is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);

// Replaces each byte outside printable ASCII with '?', for logging peer input.
std::string printable(std::string_view s, std::size_t max_len = 200);

}  // namespace tern
