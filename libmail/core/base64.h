// The value of one base64 digit (RFC 4648 4), shared by the decoders of
// SASL (RFC 4648 alphabet), MIME (RFC 2045) and modified UTF-7 (RFC 3501
// 5.1.3, where ',' stands for '/').
#pragma once

namespace tern {

// 0..63, or -1 for a character outside the alphabet; c63 is the last digit.
constexpr int base64_value(char c, char c63 = '/') {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == c63) return 63;
    return -1;
}

}  // namespace tern
