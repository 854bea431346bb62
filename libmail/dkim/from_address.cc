#include "libmail/dkim/from_address.h"

#include "libmail/core/text.h"

namespace tern::dkim {

std::string from_address(std::string_view v) {
    // Skip quoted strings and comments so "a<b>" in a display name is not taken.
    std::string plain;
    bool quoted = false;
    int comment = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const char c = v[i];
        if (c == '\\' && i + 1 < v.size() && (quoted || comment)) {
            ++i;
            continue;
        }
        if (quoted) {
            if (c == '"') quoted = false;
            continue;
        }
        if (comment) {
            if (c == '(') ++comment;
            else if (c == ')') --comment;
            continue;
        }
        if (c == '"') quoted = true;
        else if (c == '(') comment = 1;
        else plain += c;
    }
    std::string_view addr = plain;
    if (auto lt = addr.find('<'); lt != std::string_view::npos) {
        addr = addr.substr(lt + 1);
        addr = addr.substr(0, addr.find('>'));
    } else {
        addr = addr.substr(0, addr.find(','));
    }
    addr = trim(addr);
    const auto at = addr.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == addr.size()) return {};
    return std::string(addr.substr(0, at + 1)) + to_lower(addr.substr(at + 1));
}

}  // namespace tern::dkim
