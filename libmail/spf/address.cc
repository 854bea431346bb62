#include "libmail/spf/address.h"

#include <arpa/inet.h>

#include <cstring>

namespace tern::spf {

std::optional<Address> Address::parse(std::string_view text) {
    if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
    const std::string s(text);
    Address a;
    if (::inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
    if (::inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.bytes.data(), kMapped, sizeof kMapped) == 0) {
        std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
        std::memset(a.bytes.data() + 4, 0, 12);
        return a;
    }
    a.v6 = true;
    return a;
}

bool Address::in(const Address& net, int prefix) const {
    if (v6 != net.v6 || prefix < 0 || prefix > (v6 ? 128 : 32)) return false;
    int i = 0;
    for (; prefix >= 8; prefix -= 8, ++i)
        if (bytes[i] != net.bytes[i]) return false;
    if (prefix == 0) return true;
    const std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - prefix));
    return (bytes[i] & mask) == (net.bytes[i] & mask);
}

std::string Address::text() const {
    char buf[INET6_ADDRSTRLEN];
    ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
    return buf;
}

std::string Address::dotted() const {
    if (!v6) return text();
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (std::uint8_t b : bytes) {
        if (!out.empty()) out += '.';
        out += kHex[b >> 4];
        out += '.';
        out += kHex[b & 15];
    }
    return out;
}

}  // namespace tern::spf
