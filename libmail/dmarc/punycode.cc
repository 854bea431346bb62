#include "libmail/dmarc/punycode.h"

#include <cstdint>
#include <vector>

namespace tern::dmarc {

namespace {

// RFC 3492 5: the Bootstring parameters of Punycode.
constexpr std::uint32_t kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700, kInitialBias = 72,
                        kInitialN = 128;
constexpr std::size_t kMaxLabelOctets = 63;

std::optional<std::vector<std::uint32_t>> decode_utf8(std::string_view s) {
    std::vector<std::uint32_t> out;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > s.size()) return std::nullopt;
        std::uint32_t cp = len == 1 ? c : c & (0x7f >> len);
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc >> 6) != 2) return std::nullopt;
            cp = (cp << 6) | (cc & 0x3f);
        }
        static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
        out.push_back(cp);
        i += len;
    }
    return out;
}

std::uint32_t adapt(std::uint32_t delta, std::uint32_t points, bool first) {
    delta = first ? delta / kDamp : delta / 2;
    delta += delta / points;
    std::uint32_t k = 0;
    while (delta > ((kBase - kTmin) * kTmax) / 2) {
        delta /= kBase - kTmin;
        k += kBase;
    }
    return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
}

char digit(std::uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); }

}  // namespace

std::optional<std::string> to_alabel(std::string_view label) {
    auto cps = decode_utf8(label);
    if (!cps) return std::nullopt;
    std::string out;
    for (std::uint32_t c : *cps)
        if (c < 0x80) out += static_cast<char>(c);
    const std::uint32_t basic = static_cast<std::uint32_t>(out.size());
    if (basic == cps->size()) return std::string(label);
    if (basic > 0) out += '-';
    std::uint32_t n = kInitialN, delta = 0, bias = kInitialBias, h = basic;
    const auto total = static_cast<std::uint32_t>(cps->size());
    while (h < total) {
        std::uint32_t m = UINT32_MAX;
        for (std::uint32_t c : *cps)
            if (c >= n && c < m) m = c;
        if ((m - n) > (UINT32_MAX - delta) / (h + 1)) return std::nullopt;  // overflow (RFC 3492 6.4)
        delta += (m - n) * (h + 1);
        n = m;
        for (std::uint32_t c : *cps) {
            if (c < n && ++delta == 0) return std::nullopt;
            if (c != n) continue;
            std::uint32_t q = delta;
            for (std::uint32_t k = kBase;; k += kBase) {
                const std::uint32_t t = k <= bias ? kTmin : k >= bias + kTmax ? kTmax : k - bias;
                if (q < t) break;
                out += digit(t + (q - t) % (kBase - t));
                q = (q - t) / (kBase - t);
            }
            out += digit(q);
            bias = adapt(delta, h + 1, h == basic);
            delta = 0;
            ++h;
        }
        ++delta;
        ++n;
        if (out.size() > kMaxLabelOctets) return std::nullopt;
    }
    out.insert(0, "xn--");
    if (out.size() > kMaxLabelOctets) return std::nullopt;
    return out;
}

}  // namespace tern::dmarc
