// IP addresses as SPF sees them (RFC 7208 section 5.6): parsing, network
// membership for ip4/ip6/a/mx with a CIDR length, and the text forms the
// macros need (%{i} as dotted nibbles for IPv6, %{c} readable).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::spf {

struct Address {
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4

    // "192.0.2.1", "2001:db8::1"; an IPv4-mapped IPv6 address (::ffff:a.b.c.d)
    // becomes IPv4, as the SMTP client it stands for is. nullopt when malformed.
    static std::optional<Address> parse(std::string_view text);
    // Whether this address lies in net/prefix (same family only).
    bool in(const Address& net, int prefix) const;
    std::string text() const;     // canonical text ("2001:db8::cb01")
    std::string dotted() const;   // %{i}: IPv4 as is, IPv6 as 32 dot-separated nibbles
};

}  // namespace tern::spf
