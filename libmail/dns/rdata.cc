// RDATA decoding: bounded reads of network bytes, see rdata.h.
#include "libmail/dns/rdata.h"

#include <arpa/inet.h>
#include <sys/socket.h>

namespace tern::dns {

namespace {

// RFC 1035 2.3.4: a name is at most 255 octets on the wire, a label 63.
constexpr std::size_t kMaxNameOctets = 255;
constexpr std::size_t kMaxLabelOctets = 63;

void append_label_octet(std::string& out, unsigned char c) {
    if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
        out.push_back(static_cast<char>(c));
        return;
    }
    out.push_back('\\');
    out.push_back(static_cast<char>('0' + c / 100));
    out.push_back(static_cast<char>('0' + c / 10 % 10));
    out.push_back(static_cast<char>('0' + c % 10));
}

}  // namespace

std::optional<std::string> decode_name(Bytes wire, std::size_t& pos) {
    std::string out;
    std::size_t octets = 0;
    std::size_t p = pos;
    for (;;) {
        if (p >= wire.size()) return std::nullopt;
        const std::size_t len = wire[p];
        ++p;
        ++octets;
        if (len == 0) break;
        if (len > kMaxLabelOctets) return std::nullopt;  // 0xC0 pointers and the 0x40/0x80 types
        if (len > wire.size() - p) return std::nullopt;
        octets += len;
        if (octets > kMaxNameOctets) return std::nullopt;
        if (!out.empty()) out.push_back('.');
        for (std::size_t k = 0; k < len; ++k) append_label_octet(out, wire[p + k]);
        p += len;
    }
    pos = p;
    return out;
}

std::optional<std::string> decode_address(RrType type, Bytes rdata) {
    const int af = type == RrType::A ? AF_INET : AF_INET6;
    const std::size_t want = type == RrType::A ? 4 : 16;
    if ((type != RrType::A && type != RrType::AAAA) || rdata.size() != want) return std::nullopt;
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(af, rdata.data(), text, sizeof text)) return std::nullopt;
    return std::string(text);
}

std::optional<Mx> decode_mx(Bytes rdata) {
    if (rdata.size() < 3) return std::nullopt;
    Mx mx;
    mx.preference = static_cast<std::uint16_t>(rdata[0] << 8 | rdata[1]);
    std::size_t pos = 2;
    auto host = decode_name(rdata, pos);
    if (!host || pos != rdata.size()) return std::nullopt;
    mx.host = std::move(*host);
    return mx;
}

std::optional<std::string> decode_txt(Bytes rdata) {
    std::string out;
    std::size_t p = 0;
    while (p < rdata.size()) {
        const std::size_t len = rdata[p++];
        if (len > rdata.size() - p) return std::nullopt;
        out.append(reinterpret_cast<const char*>(rdata.data() + p), len);
        p += len;
    }
    return out;
}

std::optional<std::string> decode_target(Bytes rdata) {
    std::size_t pos = 0;
    auto name = decode_name(rdata, pos);
    if (!name || pos != rdata.size()) return std::nullopt;
    return name;
}

}  // namespace tern::dns
