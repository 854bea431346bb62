#include "smtp/tls_policy.h"

#include "libmail/core/text.h"

namespace tern::smtp_client {

namespace {

std::vector<std::string> default_match(TlsLevel level) {
    if (level == TlsLevel::Verify) return {"hostname"};
    if (level == TlsLevel::Secure) return {"nexthop", "dot-nexthop"};
    return {};
}

bool valid_match_name(std::string_view n) {
    if (n.empty() || n.size() > 253) return false;
    for (char c : n)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '*')) return false;
    return true;
}

}  // namespace

std::string_view level_name(TlsLevel level) {
    switch (level) {
    case TlsLevel::None: return "none";
    case TlsLevel::May: return "may";
    case TlsLevel::Encrypt: return "encrypt";
    case TlsLevel::Verify: return "verify";
    case TlsLevel::Secure: return "secure";
    }
    return "none";
}

Result<TlsLevel> parse_tls_level(std::string_view name) {
    for (TlsLevel l : {TlsLevel::None, TlsLevel::May, TlsLevel::Encrypt, TlsLevel::Verify, TlsLevel::Secure})
        if (iequals(name, level_name(l))) return l;
    if (name.empty()) return TlsLevel::None;  // Postfix: empty means none
    return Error("unsupported TLS security level \"" + printable(name) + "\" (none, may, encrypt, verify, secure)");
}

Result<TlsPolicy> parse_tls_policy(std::string_view value) {
    std::vector<std::string> words;
    for (auto w : split_any(value, " \t")) words.emplace_back(w);
    if (words.empty()) return Error("empty TLS policy");
    auto level = parse_tls_level(words[0]);
    if (!level) return level.error();
    TlsPolicy p;
    p.level = *level;
    bool matched = false;
    for (std::size_t i = 1; i < words.size(); ++i) {
        const std::string& w = words[i];
        if (!istarts_with(w, "match=")) return Error("unknown TLS policy attribute \"" + printable(w) + "\"");
        if (p.level != TlsLevel::Verify && p.level != TlsLevel::Secure)
            return Error("match= applies only to the verify and secure levels");
        matched = true;
        for (auto name : split_any(std::string_view(w).substr(6), ":")) {
            const std::string n = to_lower(name);
            if (!valid_match_name(n)) return Error("bad certificate match name \"" + printable(name) + "\"");
            p.match.push_back(n);
        }
        if (p.match.empty()) return Error("match= names nothing");
    }
    if (!matched) p.match = default_match(p.level);
    return p;
}

Result<TlsPolicy> lookup_tls_policy(maps::MapList* maps, const NextHop& hop, TlsLevel default_level) {
    if (maps) {
        std::vector<std::string> keys{hop.text()};
        if (hop.mx_lookup) {
            keys.push_back(hop.host);
            for (auto dot = hop.host.find('.'); dot != std::string::npos; dot = hop.host.find('.', dot + 1))
                keys.push_back(hop.host.substr(dot));
        }
        for (const auto& key : keys) {
            auto v = maps->lookup(key);
            if (!v) return Error("smtp_tls_policy_maps lookup of " + printable(key) + ": " + v.error().message);
            if (!*v) continue;
            auto p = parse_tls_policy(**v);
            if (!p) return Error("smtp_tls_policy_maps entry for " + printable(key) + ": " + p.error().message);
            return p;
        }
    }
    TlsPolicy p;
    p.level = default_level;
    p.match = default_match(default_level);
    return p;
}

std::vector<std::string> match_names(const TlsPolicy& p, const NextHop& hop, const std::string& host) {
    std::vector<std::string> out;
    for (const auto& m : p.match) {
        if (m == "hostname") out.push_back(to_lower(host));
        else if (m == "nexthop") out.push_back(hop.host);
        else if (m == "dot-nexthop") out.push_back("." + hop.host);
        else out.push_back(m);
    }
    return out;
}

}  // namespace tern::smtp_client
