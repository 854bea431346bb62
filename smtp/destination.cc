#include "smtp/destination.h"

#include <algorithm>

#include "libmail/core/text.h"

namespace tern::smtp_client {

std::string NextHop::text() const {
    std::string out = mx_lookup ? host : "[" + host + "]";
    if (port != 0) out += ":" + std::to_string(port);
    return out;
}

std::optional<NextHop> parse_nexthop(std::string_view text) {
    text = trim(text);
    NextHop h;
    std::string_view rest;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        h.host = to_lower(text.substr(1, close - 1));
        h.mx_lookup = false;
        rest = text.substr(close + 1);
    } else {
        const auto colon = text.find(':');
        h.host = to_lower(text.substr(0, colon));
        rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
    }
    while (!h.host.empty() && h.host.back() == '.') h.host.pop_back();
    if (h.host.empty()) return std::nullopt;
    if (!rest.empty()) {
        if (rest.front() != ':') return std::nullopt;
        auto port = parse_number<int>(rest.substr(1));
        if (!port || *port < 1 || *port > 65535) return std::nullopt;
        h.port = *port;
    }
    return h;
}

std::string domain_of(std::string_view address) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos) return {};
    return to_lower(address.substr(at + 1));
}

bool is_null_mx(const std::vector<dns::Mx>& mx) { return mx.size() == 1 && mx.front().host.empty(); }

std::vector<std::string> order_mx(std::vector<dns::Mx> mx, std::mt19937& rng) {
    std::shuffle(mx.begin(), mx.end(), rng);  // then a stable sort keeps equal preferences shuffled
    std::stable_sort(mx.begin(), mx.end(), [](const dns::Mx& a, const dns::Mx& b) { return a.preference < b.preference; });
    std::vector<std::string> out;
    for (auto& m : mx) {
        if (m.host.empty()) continue;  // "." among other MX records: not a host
        if (std::find(out.begin(), out.end(), m.host) == out.end()) out.push_back(std::move(m.host));
    }
    return out;
}

}  // namespace tern::smtp_client
