// Text that goes into the header fields of a notice: network text made safe
// (no CR/LF or other control characters, so a remote reply cannot inject a
// field or a MIME boundary; non-ASCII only where RFC 6533 allows UTF-8),
// fields folded at white space (RFC 5322 2.2.3), RFC 3464 address fields, and
// MIME boundaries that are random and checked against the content.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace tern::dsn {

// Longest text kept from one network value (a diagnostic, a host name): far
// below RFC 5322's 998-octet line limit once folded.
inline constexpr std::size_t kMaxFieldText = 900;

// s with every control character (CR, LF, TAB, NUL, DEL...) turned into a
// space, runs of spaces collapsed, ends trimmed. Bytes >= 0x80 are kept when
// utf8_ok and s is valid UTF-8, else each becomes '?'. Cut at max_bytes on a
// character boundary.
std::string safe_text(std::string_view s, bool utf8_ok, std::size_t max_bytes = kMaxFieldText);

// "Name: value\n", folded at spaces so that lines stay near 78 columns
// (continuation lines start with a space). value must already be safe.
std::string fold_field(std::string_view name, std::string_view value);

// RFC 3464 2.3.2 / RFC 6533 3: "rfc822; addr" for an ASCII address; for a
// UTF-8 address "utf-8; addr" in a global report, else "utf-8; " with
// utf-8-addr-xtext (\x{HEX}). Control characters are dropped.
std::string typed_address(std::string_view addr, bool global);

// A random boundary: "=_" (which cannot start a quoted-printable line) plus
// 24 random alphanumerics. Always written quoted.
std::string make_boundary();

// Streams chunks and remembers whether needle occurred in them, across
// chunk edges.
class NeedleScanner {
public:
    explicit NeedleScanner(std::string needle) : needle_(std::move(needle)) {}
    void feed(std::string_view chunk);
    bool found() const { return found_; }

private:
    std::string needle_;
    std::string tail_;  // last needle.size()-1 bytes seen
    bool found_ = false;
};

}  // namespace tern::dsn
