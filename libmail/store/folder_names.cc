// Folder names: modified UTF-7 and the Maildir++ directory mapping.
#include "libmail/store/folder_names.h"

#include <cstdint>
#include <vector>

#include "libmail/core/base64.h"
#include "libmail/core/text.h"

namespace tern::store {

namespace {

// RFC 3501 5.1.3: base64 with "," instead of "/".
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

// Decodes one UTF-8 sequence at s[i]; advances i. nullopt when invalid
// (overlong, surrogate, beyond U+10FFFF, truncated).
std::optional<char32_t> next_code_point(std::string_view s, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    int len = 0;
    char32_t cp = 0;
    if (b0 < 0x80) { ++i; return b0; }
    if ((b0 & 0xe0) == 0xc0) { len = 2; cp = b0 & 0x1f; }
    else if ((b0 & 0xf0) == 0xe0) { len = 3; cp = b0 & 0x0f; }
    else if ((b0 & 0xf8) == 0xf0) { len = 4; cp = b0 & 0x07; }
    else return std::nullopt;
    if (i + static_cast<std::size_t>(len) > s.size()) return std::nullopt;
    for (int k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
        if ((b & 0xc0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (b & 0x3f);
    }
    static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
    i += static_cast<std::size_t>(len);
    return cp;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

// Base64 of UTF-16BE units, without padding.
void flush_shift(std::string& out, const std::vector<std::uint16_t>& units) {
    std::uint32_t bits = 0;
    int nbits = 0;
    out += '&';
    for (auto u : units) {
        for (int half : {8, 0}) {
            bits = (bits << 8) | ((u >> half) & 0xff);
            nbits += 8;
            while (nbits >= 6) {
                nbits -= 6;
                out += kB64[(bits >> nbits) & 0x3f];
            }
        }
    }
    if (nbits > 0) out += kB64[(bits << (6 - nbits)) & 0x3f];
    out += '-';
}

bool printable_ascii(char32_t cp) { return cp >= 0x20 && cp <= 0x7e; }

}  // namespace

std::optional<std::string> utf8_to_mutf7(std::string_view utf8) {
    std::string out;
    std::vector<std::uint16_t> units;
    std::size_t i = 0;
    while (i < utf8.size()) {
        auto cp = next_code_point(utf8, i);
        if (!cp) return std::nullopt;
        if (printable_ascii(*cp)) {
            if (!units.empty()) {
                flush_shift(out, units);
                units.clear();
            }
            out += static_cast<char>(*cp);
            if (*cp == '&') out += '-';
            continue;
        }
        if (*cp >= 0x10000) {
            const char32_t v = *cp - 0x10000;
            units.push_back(static_cast<std::uint16_t>(0xd800 | (v >> 10)));
            units.push_back(static_cast<std::uint16_t>(0xdc00 | (v & 0x3ff)));
        } else {
            units.push_back(static_cast<std::uint16_t>(*cp));
        }
    }
    if (!units.empty()) flush_shift(out, units);
    return out;
}

std::optional<std::string> mutf7_to_utf8(std::string_view s) {
    std::string out;
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return std::nullopt;
        if (c != '&') {
            out += c;
            ++i;
            continue;
        }
        const auto end = s.find('-', i + 1);
        if (end == std::string_view::npos) return std::nullopt;
        if (end == i + 1) {  // "&-" is "&"
            out += '&';
            i = end + 1;
            continue;
        }
        std::vector<std::uint16_t> units;
        std::uint32_t bits = 0;
        int nbits = 0;
        for (std::size_t k = i + 1; k < end; ++k) {
            const int v = base64_value(s[k], ',');
            if (v < 0) return std::nullopt;
            bits = (bits << 6) | static_cast<std::uint32_t>(v);
            nbits += 6;
            if (nbits >= 16) {
                nbits -= 16;
                units.push_back(static_cast<std::uint16_t>((bits >> nbits) & 0xffff));
            }
        }
        // Leftover bits are padding: fewer than 6 and all zero.
        if (nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0 || units.empty()) return std::nullopt;
        for (std::size_t k = 0; k < units.size(); ++k) {
            char32_t cp = units[k];
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (k + 1 >= units.size() || units[k + 1] < 0xdc00 || units[k + 1] > 0xdfff) return std::nullopt;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (units[k + 1] - 0xdc00);
                ++k;
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                return std::nullopt;
            }
            // A shift must not encode what could be written directly.
            if (printable_ascii(cp)) return std::nullopt;
            append_utf8(out, cp);
        }
        i = end + 1;
    }
    return out;
}

Result<void> check_folder_name(std::string_view name) {
    if (name.empty()) return Error(EINVAL, "empty mailbox name");
    if (name.size() > kMaxFolderNameOctets)
        return Error(ENAMETOOLONG, "mailbox name longer than " + std::to_string(kMaxFolderNameOctets) + " octets");
    std::size_t i = 0;
    while (i < name.size()) {
        auto cp = next_code_point(name, i);
        if (!cp) return Error(EINVAL, "mailbox name is not valid UTF-8");
        if (*cp < 0x20 || *cp == 0x7f || (*cp >= 0x80 && *cp < 0xa0))
            return Error(EINVAL, "control character in mailbox name");
    }
    if (name.front() == '/' || name.back() == '/' || name.find("//") != std::string_view::npos)
        return Error(EINVAL, "empty hierarchy level in mailbox name");
    return {};
}

Result<std::string> to_maildir_dir(std::string_view name) {
    if (auto r = check_folder_name(name); !r) return r.error();
    std::string out;
    for (std::string_view rest = name;;) {
        const auto slash = rest.find('/');
        auto level = utf8_to_mutf7(rest.substr(0, slash));
        if (!level) return Error(EINVAL, "mailbox name is not valid UTF-8");
        out += '.';
        for (char c : *level) {
            if (c == '.') out += "&AC4-";  // a literal "." would read as a separator
            else out += c;
        }
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    if (out.size() > 255) return Error(ENAMETOOLONG, "mailbox name too long for the file system");
    return out;
}

std::optional<std::string> from_maildir_dir(std::string_view dir) {
    if (dir.size() < 2 || dir.front() != '.') return std::nullopt;
    dir.remove_prefix(1);
    std::string name;
    for (;;) {
        const auto dot = dir.find('.');
        const auto level = dir.substr(0, dot);
        if (level.empty() || level.find('/') != std::string_view::npos) return std::nullopt;
        // "&AC4-" is a "." inside the level (to_maildir_dir); the pieces
        // between are modified UTF-7.
        for (std::string_view rest = level;;) {
            const auto dot_at = rest.find("&AC4-");
            auto utf8 = mutf7_to_utf8(rest.substr(0, dot_at));
            if (!utf8 || utf8->find('/') != std::string::npos) return std::nullopt;
            name += *utf8;
            if (dot_at == std::string_view::npos) break;
            name += '.';
            rest.remove_prefix(dot_at + 5);
        }
        if (dot == std::string_view::npos) break;
        name += '/';
        dir.remove_prefix(dot + 1);
    }
    if (is_inbox(name) || !check_folder_name(name)) return std::nullopt;
    return name;
}

bool is_inbox(std::string_view name) { return iequals(name, "INBOX"); }

std::string_view parent_folder(std::string_view name) {
    const auto slash = name.rfind('/');
    return slash == std::string_view::npos ? std::string_view() : name.substr(0, slash);
}

}  // namespace tern::store
