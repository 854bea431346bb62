#include "libmail/smtp/path.h"

#include <algorithm>

#include "libmail/core/text.h"

namespace tern::smtp {

namespace {

// RFC 5322 3.2.3 atext, and UTF-8 bytes (RFC 6531 3.3; the whole path is
// checked for well-formed UTF-8 afterwards).
bool is_atext(unsigned char c) {
    if (c >= 0x80) return true;
    if (c <= 0x20 || c == 0x7f) return false;
    static constexpr std::string_view kSpecials = "()<>[]:;@\\,.\"";
    return kSpecials.find(static_cast<char>(c)) == std::string_view::npos;
}

bool is_dot_string(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    char prev = 0;
    for (char c : s) {
        if (c == '.') {
            if (prev == '.') return false;
        } else if (!is_atext(static_cast<unsigned char>(c))) {
            return false;
        }
        prev = c;
    }
    return true;
}

// Letters, digits and the bytes of UTF-8 U-labels (RFC 6531 3.3).
bool is_let_dig(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           static_cast<unsigned char>(c) >= 0x80;
}

// RFC 5321 4.1.2 Domain, or an address literal "[...]" (checked loosely: printable, no brackets inside).
bool is_domain(std::string_view d) {
    if (d.empty() || d.size() > kMaxDomainOctets) return false;
    if (d.front() == '[') {
        if (d.size() < 3 || d.back() != ']') return false;
        for (char c : d.substr(1, d.size() - 2))
            if (c <= 0x20 || c >= 0x7f || c == '[' || c == ']' || c == '\\') return false;
        return true;
    }
    for (auto label : split_any(d, ".")) {
        if (label.size() > 63 || !is_let_dig(label.front()) || !is_let_dig(label.back())) return false;
        for (char c : label)
            if (!is_let_dig(c) && c != '-') return false;
    }
    return d.front() != '.' && d.back() != '.' && d.find("..") == std::string_view::npos;
}

}  // namespace

Result<ParsedPath, Reply> parse_path(std::string_view text, PathRole role) {
    const bool sender = role == PathRole::Sender;
    const Reply bad = sender ? Reply{501, "5.1.7", "Bad sender address syntax"}
                             : Reply{501, "5.1.3", "Bad recipient address syntax"};
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    if (text.empty() || text.front() != '<')
        return Reply{501, "5.5.4", sender ? "Syntax: MAIL FROM:<address>" : "Syntax: RCPT TO:<address>"};

    // Find the closing '>' outside a quoted string.
    std::size_t i = 1;
    bool quoted = false;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted && c == '\\') { ++i; continue; }
        if (c == '"') quoted = !quoted;
        else if (!quoted && c == '>') break;
    }
    if (i >= text.size())
        return Reply{501, "5.5.4", sender ? "Syntax: MAIL FROM:<address>" : "Syntax: RCPT TO:<address>"};
    if (i + 1 > kMaxPathOctets) return sender ? Reply{501, "5.1.7", "Sender address too long"}
                                             : Reply{501, "5.1.3", "Recipient address too long"};
    std::string_view inner = text.substr(1, i - 1);
    ParsedPath out;
    out.path.utf8 = std::any_of(inner.begin(), inner.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    if (out.path.utf8 && !is_valid_utf8(inner)) return bad;
    out.params = text.substr(i + 1);
    if (!out.params.empty() && out.params.front() != ' ') return bad;
    while (!out.params.empty() && out.params.front() == ' ') out.params.remove_prefix(1);

    if (inner.empty()) {
        if (!sender) return bad;  // RCPT TO:<> is never valid
        return out;
    }
    // A source route "@a,@b:" is accepted and ignored (RFC 5321 4.1.2, Appendix C).
    if (inner.front() == '@') {
        const auto colon = inner.find(':');
        if (colon == std::string_view::npos) return bad;
        for (auto hop : split_any(inner.substr(0, colon), ","))
            if (hop.size() < 2 || hop.front() != '@' || !is_domain(hop.substr(1))) return bad;
        inner.remove_prefix(colon + 1);
    }

    // The local part: a quoted string or a dot-string.
    std::string local;
    std::size_t pos = 0;
    if (!inner.empty() && inner.front() == '"') {
        pos = 1;
        bool closed = false;
        for (; pos < inner.size(); ++pos) {
            const auto c = static_cast<unsigned char>(inner[pos]);
            if (c == '\\') {
                if (++pos >= inner.size()) return bad;
                const auto q = static_cast<unsigned char>(inner[pos]);
                if (q < 0x20 || q > 0x7e) return bad;  // RFC 5321 quoted-pairSMTP
                local += static_cast<char>(q);
            } else if (c == '"') {
                closed = true;
                ++pos;
                break;
            } else if (c < 0x20 || c == 0x7f) {
                return bad;
            } else {
                local += static_cast<char>(c);
            }
        }
        if (!closed) return bad;
        if (pos < inner.size() && inner[pos] != '@') return bad;
    } else {
        // The domain follows the LAST '@', as in Postfix: "user@remote@local"
        // is a local part "user@remote" that the relay check then refuses,
        // rather than a syntax error that hides what the client tried.
        pos = inner.rfind('@');
        if (pos == std::string_view::npos) pos = inner.size();
        local = std::string(inner.substr(0, pos));
        for (auto piece : split_any(local, "@"))
            if (!is_dot_string(piece)) return bad;
        if (local.empty() || local.front() == '@' || local.back() == '@' || local.find("@@") != std::string::npos)
            return bad;
    }
    const std::string_view local_as_given = inner.substr(0, pos);
    if (local_as_given.size() > kMaxLocalPartOctets)
        return sender ? Reply{501, "5.1.7", "Sender address local part too long"}
                      : Reply{501, "5.1.3", "Recipient address local part too long"};

    if (pos == inner.size()) {
        // RFC 5321 4.5.1: RCPT TO:<Postmaster> without a domain must be accepted.
        if (sender || !iequals(local, "postmaster")) return bad;
        out.path.address = std::string(local_as_given);
        out.path.local_part = std::move(local);
        return out;
    }
    const std::string_view domain = inner.substr(pos + 1);
    if (!is_domain(domain)) return bad;
    out.path.address = std::string(local_as_given) + "@" + std::string(domain);
    out.path.local_part = std::move(local);
    out.path.domain = std::string(domain);
    return out;
}

}  // namespace tern::smtp
