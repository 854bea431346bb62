#include "imapd/casefold.h"

#include <algorithm>
#include <functional>
#include <vector>

namespace tern::imapd {

namespace {

// Ranges where upper and lower case alternate: even code point upper, the
// next one its lower case (Latin Extended-A/B, Cyrillic, Greek archaic...).
struct Alternating {
    char32_t first, last;  // both inclusive; first is an upper-case letter
};
constexpr Alternating kAlternating[] = {
    {0x0100, 0x012F}, {0x0132, 0x0137}, {0x014A, 0x0177}, {0x0182, 0x0185}, {0x01A0, 0x01A5},
    {0x01DE, 0x01EF}, {0x01F8, 0x021F}, {0x0222, 0x0233}, {0x0246, 0x024F}, {0x0370, 0x0373},
    {0x03D8, 0x03EF}, {0x0460, 0x0481}, {0x048A, 0x04BF}, {0x04D0, 0x052F}, {0x1E00, 0x1E95},
    {0x1EA0, 0x1EFF}, {0x2C80, 0x2CE3}, {0xA640, 0xA66D}, {0xA680, 0xA69B}, {0xA722, 0xA72F},
    {0xA732, 0xA76F}, {0xA77E, 0xA787}, {0xA790, 0xA793}, {0xA796, 0xA7A9},
};
// Ranges where odd code points are upper case and the next even one lower.
constexpr Alternating kAlternatingOdd[] = {
    {0x0139, 0x0148}, {0x0179, 0x017E}, {0x01B3, 0x01B6}, {0x01CD, 0x01DC}, {0x04C1, 0x04CE},
};
// Blocks that fold by a fixed offset.
struct Shift {
    char32_t first, last;
    char32_t delta;  // added
};
constexpr Shift kShifts[] = {
    {0x00C0, 0x00D6, 0x20},   {0x00D8, 0x00DE, 0x20},   {0x0391, 0x03A1, 0x20}, {0x03A3, 0x03AB, 0x20},
    {0x0400, 0x040F, 0x50},   {0x0410, 0x042F, 0x20},   {0x0531, 0x0556, 0x30}, {0x10A0, 0x10C5, 0x1C60},
    {0x1F08, 0x1F0F, -8u},    {0x1F18, 0x1F1D, -8u},    {0x1F28, 0x1F2F, -8u},  {0x1F38, 0x1F3F, -8u},
    {0x1F48, 0x1F4D, -8u},    {0x1F68, 0x1F6F, -8u},    {0x2160, 0x216F, 0x10}, {0x24B6, 0x24CF, 0x1A},
    {0x2C00, 0x2C2F, 0x30},   {0xFF21, 0xFF3A, 0x20},   {0x10400, 0x10427, 0x28},
};
// Single code points (CaseFolding.txt C/S rows outside the patterns above).
struct Single {
    char32_t from, to;
};
constexpr Single kSingles[] = {
    {0x00B5, 0x03BC}, {0x0178, 0x00FF}, {0x017F, 0x0073}, {0x0181, 0x0253}, {0x0186, 0x0254},
    {0x0187, 0x0188}, {0x0189, 0x0256}, {0x018A, 0x0257}, {0x018B, 0x018C}, {0x018E, 0x01DD},
    {0x018F, 0x0259}, {0x0190, 0x025B}, {0x0191, 0x0192}, {0x0193, 0x0260}, {0x0194, 0x0263},
    {0x0196, 0x0269}, {0x0197, 0x0268}, {0x0198, 0x0199}, {0x019C, 0x026F}, {0x019D, 0x0272},
    {0x019F, 0x0275}, {0x01A6, 0x0280}, {0x01A7, 0x01A8}, {0x01A9, 0x0283}, {0x01AC, 0x01AD},
    {0x01AE, 0x0288}, {0x01AF, 0x01B0}, {0x01B1, 0x028A}, {0x01B2, 0x028B}, {0x01B7, 0x0292},
    {0x01B8, 0x01B9}, {0x01BC, 0x01BD}, {0x01C4, 0x01C6}, {0x01C5, 0x01C6}, {0x01C7, 0x01C9},
    {0x01C8, 0x01C9}, {0x01CA, 0x01CC}, {0x01CB, 0x01CC}, {0x01F1, 0x01F3}, {0x01F2, 0x01F3},
    {0x01F4, 0x01F5}, {0x01F6, 0x0195}, {0x01F7, 0x01BF}, {0x0220, 0x019E}, {0x023A, 0x2C65},
    {0x023B, 0x023C}, {0x023D, 0x019A}, {0x023E, 0x2C66}, {0x0241, 0x0242}, {0x0243, 0x0180},
    {0x0244, 0x0289}, {0x0245, 0x028C}, {0x0345, 0x03B9}, {0x0376, 0x0377}, {0x037F, 0x03F3},
    {0x0386, 0x03AC}, {0x0388, 0x03AD}, {0x0389, 0x03AE}, {0x038A, 0x03AF}, {0x038C, 0x03CC},
    {0x038E, 0x03CD}, {0x038F, 0x03CE}, {0x03C2, 0x03C3}, {0x03CF, 0x03D7}, {0x03D0, 0x03B2},
    {0x03D1, 0x03B8}, {0x03D5, 0x03C6}, {0x03D6, 0x03C0}, {0x03F0, 0x03BA}, {0x03F1, 0x03C1},
    {0x03F4, 0x03B8}, {0x03F5, 0x03B5}, {0x03F7, 0x03F8}, {0x03F9, 0x03F2}, {0x03FA, 0x03FB},
    {0x03FD, 0x037B}, {0x03FE, 0x037C}, {0x03FF, 0x037D}, {0x04C0, 0x04CF}, {0x10C7, 0x2D27},
    {0x10CD, 0x2D2D}, {0x1E9B, 0x1E61}, {0x1E9E, 0x00DF}, {0x1FBE, 0x03B9}, {0x2126, 0x03C9},
    {0x212A, 0x006B}, {0x212B, 0x00E5}, {0x2132, 0x214E}, {0x2183, 0x2184},
};

bool decode_utf8(std::string_view s, std::size_t& i, char32_t& out) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len;
    char32_t cp;
    if (b0 < 0x80) { out = b0; ++i; return true; }
    if (b0 >= 0xC2 && b0 <= 0xDF) { len = 2; cp = b0 & 0x1F; }
    else if (b0 >= 0xE0 && b0 <= 0xEF) { len = 3; cp = b0 & 0x0F; }
    else if (b0 >= 0xF0 && b0 <= 0xF4) { len = 4; cp = b0 & 0x07; }
    else return false;
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return false;
        cp = (cp << 6) | (b & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return false;
    out = cp;
    i += len;
    return true;
}

void encode_utf8(char32_t c, std::string& out) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

char32_t fold_slow(char32_t c) {
    for (const auto& s : kSingles)
        if (s.from == c) return s.to;
    for (const auto& s : kShifts)
        if (c >= s.first && c <= s.last) return c + s.delta;
    for (const auto& a : kAlternating)
        if (c >= a.first && c <= a.last) return ((c - a.first) % 2 == 0) ? c + 1 : c;
    for (const auto& a : kAlternatingOdd)
        if (c >= a.first && c <= a.last) return ((c - a.first) % 2 == 0) ? c + 1 : c;
    return c;
}

}  // namespace

char32_t fold_code_point(char32_t c) {
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 0x20 : c;
    // The tables are searched once per BMP code point, on first use, so a
    // large non-Latin body costs a lookup per character. Every BMP letter
    // folds into the BMP.
    static const std::vector<char16_t> kBmp = [] {
        std::vector<char16_t> t(0x10000);
        for (char32_t i = 0; i < 0x10000; ++i) t[i] = static_cast<char16_t>(fold_slow(i));
        return t;
    }();
    return c < 0x10000 ? kBmp[c] : fold_slow(c);
}

std::string casefold(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b < 0x80) {
            out += (b >= 'A' && b <= 'Z') ? static_cast<char>(b + 0x20) : static_cast<char>(b);
            ++i;
            continue;
        }
        char32_t cp;
        if (!decode_utf8(s, i, cp)) {
            out += s[i++];
            continue;
        }
        encode_utf8(fold_code_point(cp), out);
    }
    return out;
}

// Boyer-Moore-Horspool keeps a long needle against a large message from
// costing needle x message steps.
bool fold_contains(std::string_view hay, std::string_view needle) {
    if (needle.empty()) return true;
    const std::string h = casefold(hay), n = casefold(needle);
    if (n.size() > h.size()) return false;
    const std::boyer_moore_horspool_searcher searcher(n.begin(), n.end());
    return std::search(h.begin(), h.end(), searcher) != h.end();
}

}  // namespace tern::imapd
