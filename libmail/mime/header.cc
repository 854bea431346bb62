#include "libmail/mime/header.h"

#include "libmail/core/text.h"

namespace tern::mime {

namespace {

// One line of text from pos: [begin, content_end) without its line end,
// next is just past the line end (or the end of text).
struct Line {
    std::size_t content_end;
    std::size_t next;
};

Line line_at(std::string_view text, std::size_t pos, std::size_t limit) {
    const auto lf = text.find('\n', pos);
    if (lf == std::string_view::npos || lf >= limit) return {limit, limit};
    std::size_t content_end = lf;
    if (content_end > pos && text[content_end - 1] == '\r') --content_end;
    return {content_end, lf + 1};
}

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

}  // namespace

bool is_field_name(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126 || c == ':') return false;
    }
    return true;
}

std::size_t header_end(std::string_view text, std::size_t from) {
    std::size_t pos = from;
    while (pos < text.size()) {
        const Line l = line_at(text, pos, text.size());
        if (l.content_end == pos && l.next > pos) return l.next;  // the empty line
        pos = l.next;
    }
    return text.size();
}

Header parse_header(std::string_view text, Range block, const HeaderLimits& limits) {
    Header h;
    const std::size_t end = std::min(block.end(), text.size());
    const std::size_t parse_limit =
        block.offset + std::min(limits.max_block_octets, end > block.offset ? end - block.offset : 0);
    std::size_t pos = block.offset;
    std::size_t field_start = std::string_view::npos;  // of the field being collected
    std::size_t colon = 0;

    auto flush = [&](std::size_t field_end) {
        if (field_start == std::string_view::npos) return;
        if (h.fields.size() >= limits.max_fields) {
            h.truncated = true;
        } else {
            HeaderField f;
            f.raw = {field_start, field_end - field_start};
            f.name = std::string(trim(text.substr(field_start, colon - field_start)));
            // RFC 5322 2.2.3: unfolding removes the line breaks, not the white space after them.
            std::string_view v = text.substr(colon + 1, field_end - colon - 1);
            if (v.size() > limits.max_field_octets) {
                v = v.substr(0, limits.max_field_octets);
                h.truncated = true;
            }
            std::string value;
            value.reserve(v.size());
            for (char c : v)
                if (c != '\r' && c != '\n') value += c;
            f.value = std::string(trim(value));
            h.fields.push_back(std::move(f));
        }
        field_start = std::string_view::npos;
    };

    while (pos < end) {
        if (pos >= parse_limit) {
            h.truncated = true;
            break;
        }
        const Line l = line_at(text, pos, end);
        if (l.content_end == pos && l.next > pos) break;  // the empty line ends the header
        if (is_wsp(text[pos])) {
            pos = l.next;  // a continuation: belongs to the field being collected, if any
            continue;
        }
        flush(pos);
        const std::string_view line = text.substr(pos, l.content_end - pos);
        const auto c = line.find(':');
        // obs-fields (RFC 5322 4.5) allow white space before the colon.
        if (c != std::string_view::npos) {
            std::string_view name = line.substr(0, c);
            while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
            if (is_field_name(name)) {
                field_start = pos;
                colon = pos + c;
            }
        }
        pos = l.next;
    }
    flush(std::min(pos, end));
    return h;
}

Header parse_header(std::string_view text, const HeaderLimits& limits) {
    return parse_header(text, Range{0, header_end(text)}, limits);
}

const HeaderField* Header::find(std::string_view name) const {
    for (const auto& f : fields)
        if (iequals(f.name, name)) return &f;
    return nullptr;
}

std::vector<const HeaderField*> Header::find_all(std::string_view name) const {
    std::vector<const HeaderField*> out;
    for (const auto& f : fields)
        if (iequals(f.name, name)) out.push_back(&f);
    return out;
}

}  // namespace tern::mime
