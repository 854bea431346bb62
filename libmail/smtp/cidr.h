// CIDR network lists (mynetworks): "127.0.0.0/8", "10.1.2.3", "[::1]/128",
// "::1", "[2001:db8::]/32". Matching is by address family; an IPv4-mapped IPv6
// client (::ffff:a.b.c.d) also matches IPv4 networks. Parsing is done at
// startup (a bad entry is a configuration error naming it).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"

namespace tern::smtp {

class CidrList {
public:
    // Parses every entry; the first malformed one is an error naming it.
    [[nodiscard]] static Result<CidrList> parse(const std::vector<std::string>& entries);
    // True when ip (text form, IPv4 or IPv6) is inside one of the networks.
    // An unparsable ip never matches.
    bool matches(std::string_view ip) const;
    bool empty() const { return nets_.empty(); }

private:
    struct Net {
        bool v6 = false;
        std::array<std::uint8_t, 16> addr{};
        int prefix = 0;
    };
    std::vector<Net> nets_;
};

}  // namespace tern::smtp
