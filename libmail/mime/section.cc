#include "libmail/mime/section.h"

#include <algorithm>

#include "libmail/core/text.h"

namespace tern::mime {

namespace {

// Part n of a message entity M: its body parts when M is a multipart, else
// part 1 is M itself (its body).
const Entity* part_of_message(const Entity& m, std::uint32_t n) {
    if (m.kind == EntityKind::Multipart) {
        if (n == 0 || n > m.children.size()) return nullptr;
        return &m.children[n - 1];
    }
    return n == 1 ? &m : nullptr;
}

const Entity* message_of(const Entity& e) {
    return e.kind == EntityKind::Message && !e.children.empty() ? &e.children.front() : nullptr;
}

// The line end the message uses at its header: its first one from there.
std::string_view line_end_of(std::string_view message, Range header) {
    const auto lf = message.find('\n', header.offset);
    const bool bare = lf != std::string_view::npos && (lf == 0 || message[lf - 1] != '\r');
    return bare ? "\n" : "\r\n";
}

SectionBytes header_fields(std::string_view message, const Entity& m, const std::vector<std::string>& names,
                           bool negate) {
    const Header h = parse_header(message, m.header);
    const std::string_view eol = line_end_of(message, m.header);
    SectionBytes out;
    bool last_has_eol = true;
    for (const auto& f : h.fields) {
        const bool listed =
            std::any_of(names.begin(), names.end(), [&](const std::string& n) { return iequals(n, f.name); });
        if (listed == negate) continue;
        out.ranges.push_back(f.raw);
        const std::string_view raw = f.raw.in(message);
        last_has_eol = !raw.empty() && raw.back() == '\n';
    }
    // The field at the very end of a header cut by a delimiter has no line end of its own.
    if (last_has_eol) {
        out.trailer = eol;
    } else {
        out.trailer = eol == "\n" ? std::string_view("\n\n") : std::string_view("\r\n\r\n");
    }
    return out;
}

}  // namespace

std::uint64_t SectionBytes::size() const {
    std::uint64_t n = trailer.size();
    for (const auto& r : ranges) n += r.length;
    return n;
}

std::string SectionBytes::to_string(std::string_view message) const {
    std::string out;
    for (const auto& r : ranges) out += r.in(message);
    out += trailer;
    return out;
}

std::optional<Part> find_part(const Structure& s, std::span<const std::uint32_t> path) {
    const Entity* message = &s.root;
    const Entity* part = &s.root;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (i == 0) {
            part = part_of_message(*message, path[i]);
        } else if (part->kind == EntityKind::Multipart) {
            const auto& parts = part->children;
            part = (path[i] == 0 || path[i] > parts.size()) ? nullptr : &parts[path[i] - 1];
        } else if (const Entity* inner = message_of(*part)) {
            part = part_of_message(*inner, path[i]);
        } else {
            part = nullptr;  // a leaf has no parts below it
        }
        if (!part) return std::nullopt;
    }
    if (path.empty()) return Part{&s.root, &s.root};
    return Part{part, message_of(*part)};
}

std::optional<SectionBytes> find_section(std::string_view message, const Structure& s, const Section& section) {
    const auto p = find_part(s, section.part);
    if (!p) return std::nullopt;
    const bool top = section.part.empty();
    SectionBytes out;
    switch (section.text) {
    case SectionText::Full:
        out.ranges.push_back(top ? Range{0, message.size()} : p->entity->body);
        return out;
    case SectionText::Mime:
        if (top) return std::nullopt;
        out.ranges.push_back(p->entity->header);
        return out;
    case SectionText::Header:
        if (!p->message) return std::nullopt;
        out.ranges.push_back(p->message->header);
        return out;
    case SectionText::Text:
        if (!p->message) return std::nullopt;
        out.ranges.push_back(p->message->body);
        return out;
    case SectionText::HeaderFields:
    case SectionText::HeaderFieldsNot:
        if (!p->message) return std::nullopt;
        return header_fields(message, *p->message, section.fields, section.text == SectionText::HeaderFieldsNot);
    }
    return std::nullopt;
}

SectionBytes partial(const SectionBytes& bytes, std::uint64_t origin, std::uint64_t count) {
    SectionBytes out;
    std::uint64_t skip = origin;
    std::uint64_t want = count;
    for (const auto& r : bytes.ranges) {
        if (want == 0) break;
        if (skip >= r.length) {
            skip -= r.length;
            continue;
        }
        const std::uint64_t take = std::min<std::uint64_t>(r.length - skip, want);
        out.ranges.push_back({r.offset + static_cast<std::size_t>(skip), static_cast<std::size_t>(take)});
        want -= take;
        skip = 0;
    }
    if (want > 0 && skip < bytes.trailer.size())
        out.trailer = bytes.trailer.substr(static_cast<std::size_t>(skip), static_cast<std::size_t>(want));
    return out;
}

}  // namespace tern::mime
