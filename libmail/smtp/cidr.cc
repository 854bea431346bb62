#include "libmail/smtp/cidr.h"

#include <arpa/inet.h>

#include <cstring>

#include "libmail/core/text.h"

namespace tern::smtp {

namespace {

// Parses an address in text form into 16 bytes (IPv4 in the first 4).
bool parse_ip(std::string_view text, bool& v6, std::array<std::uint8_t, 16>& out) {
    if (text.size() > 64) return false;
    const std::string s(text);
    out.fill(0);
    if (::inet_pton(AF_INET, s.c_str(), out.data()) == 1) {
        v6 = false;
        return true;
    }
    if (::inet_pton(AF_INET6, s.c_str(), out.data()) == 1) {
        v6 = true;
        static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::memcmp(out.data(), kMapped, 12) == 0) {  // ::ffff:a.b.c.d is an IPv4 client
            std::memmove(out.data(), out.data() + 12, 4);
            std::memset(out.data() + 4, 0, 12);
            v6 = false;
        }
        return true;
    }
    return false;
}

bool prefix_equal(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b, int bits) {
    int i = 0;
    for (; bits >= 8; bits -= 8, ++i)
        if (a[i] != b[i]) return false;
    if (bits == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
    return (a[i] & mask) == (b[i] & mask);
}

}  // namespace

Result<CidrList> CidrList::parse(const std::vector<std::string>& entries) {
    CidrList out;
    for (const auto& e : entries) {
        auto [addr, len] = split_once(e, '/');
        if (addr.size() >= 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
        Net n;
        if (!parse_ip(addr, n.v6, n.addr)) return Error("mynetworks: bad network address: " + e);
        const int max_bits = n.v6 ? 128 : 32;
        if (e.find('/') == std::string::npos) {
            n.prefix = max_bits;
        } else {
            auto bits = parse_number<int>(len);
            if (!bits || *bits < 0 || *bits > max_bits) return Error("mynetworks: bad prefix length: " + e);
            n.prefix = *bits;
        }
        out.nets_.push_back(n);
    }
    return out;
}

bool CidrList::matches(std::string_view ip) const {
    bool v6 = false;
    std::array<std::uint8_t, 16> a{};
    if (!parse_ip(ip, v6, a)) return false;
    for (const auto& n : nets_)
        if (n.v6 == v6 && prefix_equal(a, n.addr, n.prefix)) return true;
    return false;
}

}  // namespace tern::smtp
