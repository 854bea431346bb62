#include "libmail/dkim/tag_list.h"

namespace tern::dkim {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RFC 6376 3.2 VALCHAR is %x21-3A / %x3C-7E; octets above 0x7F are let
// through because z= copies of internationalized header fields carry them.
bool is_valchar(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 0x21 && u <= 0x7e && u != ';') || u >= 0x80;
}

std::string_view trim_space(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

}  // namespace

const Tag* TagList::find(std::string_view name) const {
    for (const Tag& t : tags_)
        if (t.name == name) return &t;
    return nullptr;
}

Result<TagList> parse_tag_list(std::string_view text) {
    if (text.size() > kMaxTagListOctets) return Error("tag list too long");
    TagList out;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t end = text.find(';', pos);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view spec = text.substr(pos, end - pos);
        const std::string_view trimmed = trim_space(spec);
        if (trimmed.empty()) {
            // Only the optional ';' after the last tag may leave an empty spec.
            if (end == text.size()) break;
            return Error("empty tag");
        }
        const std::size_t eq = spec.find('=');
        std::string_view name = trim_space(spec.substr(0, eq == std::string_view::npos ? spec.size() : eq));
        if (name.empty() || !is_alpha(name.front())) return Error("bad tag name");
        for (char c : name)
            if (!is_alpha(c) && !is_digit(c) && c != '_') return Error("bad tag name");
        if (eq == std::string_view::npos) return Error("missing '=' after tag " + std::string(name));
        const std::string_view value = trim_space(spec.substr(eq + 1));
        for (char c : value)
            if (!is_valchar(c) && !is_space(c)) return Error("bad character in value of tag " + std::string(name));
        // A line break inside a value must be folding (followed by WSP).
        for (std::size_t i = 0; i < value.size(); ++i)
            if (value[i] == '\n' && (i + 1 == value.size() || (value[i + 1] != ' ' && value[i + 1] != '\t')))
                return Error("bad line break in value of tag " + std::string(name));
        if (out.find(name)) return Error("duplicate tag " + std::string(name));
        out.tags_.push_back(Tag{std::string(name), std::string(value), pos + eq + 1, end});
        if (end == text.size()) break;
        pos = end + 1;
    }
    return out;
}

std::string strip_space(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value)
        if (!is_space(c)) out += c;
    return out;
}

}  // namespace tern::dkim
