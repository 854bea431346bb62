#include "libmail/mime/structure.h"

#include <algorithm>

#include "libmail/core/text.h"

namespace tern::mime {

namespace {

// Where the content of an entity ends: at a delimiter line (of boundary
// `boundary` in the active stack) or at the end of the message.
struct Stop {
    std::size_t content_end = 0;  // the line end before the delimiter excluded
    std::size_t line = 0;         // start of the delimiter line
    std::size_t resume = 0;       // just past the delimiter line
    int boundary = -1;            // -1: the end of the message
    bool closing = false;         // "--boundary--"
};

Parameter charset_us_ascii() { return Parameter{"charset", "us-ascii", "", "", false}; }

void make_text_plain(Entity& e) {
    e.content_type = ContentType{"text", "plain", {charset_us_ascii()}};
}

void make_opaque(Entity& e) { e.content_type = ContentType{"application", "octet-stream", {}}; }

bool is_encapsulated_message(const ContentType& ct) {
    return ct.type == "message" && (ct.subtype == "rfc822" || ct.subtype == "global");
}

class Parser {
public:
    Parser(std::string_view message, const StructureLimits& limits) : m_(message), limits_(limits) {}

    // Parses the entity whose header starts at `start`; returns where its
    // content ended.
    Stop parse_entity(Entity& e, std::size_t start, std::size_t depth, bool in_digest);

    [[nodiscard]] std::size_t entity_count() const { return count_; }
    [[nodiscard]] bool over_limit() const { return over_limit_; }

private:
    enum class Plan { Leaf, Multipart, Message };

    [[nodiscard]] std::size_t next_line(std::size_t pos) const {
        const auto lf = m_.find('\n', pos);
        return lf == std::string_view::npos ? m_.size() : lf + 1;
    }
    [[nodiscard]] bool is_dash_line(std::size_t pos) const {
        return !boundaries_.empty() && pos + 1 < m_.size() && m_[pos] == '-' && m_[pos + 1] == '-';
    }
    [[nodiscard]] int match_boundary(std::size_t line, bool& closing) const;
    [[nodiscard]] Stop stop_at(std::size_t floor, std::size_t line, int boundary, bool closing) const;
    [[nodiscard]] Stop scan_to_boundary(std::size_t from, std::size_t floor) const;
    void apply_header(Entity& e, const Header& h, bool in_digest) const;
    [[nodiscard]] std::uint64_t count_body_lines(const Entity& e) const;
    [[nodiscard]] std::uint64_t line_ends(Range r) const;
    [[nodiscard]] std::uint64_t body_line_ends(const Entity& e) const;
    Plan plan_body(Entity& e, std::size_t depth);
    void mark_over_limit(Entity& e) {
        e.over_limit = true;
        over_limit_ = true;
    }

    std::string_view m_;
    const StructureLimits& limits_;
    std::vector<std::string> boundaries_;  // active delimiters, outermost first
    std::size_t count_ = 0;
    bool over_limit_ = false;
};

// RFC 2046 5.1.1 only asks that a line start with the delimiter (transport
// padding or junk may follow). Of the active boundaries the longest match
// wins, and among equals the innermost, so nested multiparts may share a
// boundary or one may be a prefix of another.
int Parser::match_boundary(std::size_t line, bool& closing) const {
    const std::string_view rest = m_.substr(line + 2);
    int best = -1;
    for (int i = static_cast<int>(boundaries_.size()) - 1; i >= 0; --i) {
        const std::string& b = boundaries_[static_cast<std::size_t>(i)];
        const bool longer = best < 0 || b.size() > boundaries_[static_cast<std::size_t>(best)].size();
        if (longer && rest.substr(0, b.size()) == b) best = i;
    }
    if (best >= 0) closing = rest.substr(boundaries_[static_cast<std::size_t>(best)].size(), 2) == "--";
    return best;
}

Stop Parser::stop_at(std::size_t floor, std::size_t line, int boundary, bool closing) const {
    Stop s;
    s.line = line;
    s.boundary = boundary;
    s.closing = closing;
    s.resume = next_line(line);
    std::size_t end = line;
    // The line end before the delimiter is part of the delimiter (RFC 2046 5.1.1).
    if (end > floor && m_[end - 1] == '\n') --end;
    if (end > floor && m_[end - 1] == '\r') --end;
    s.content_end = std::max(end, floor);
    return s;
}

Stop Parser::scan_to_boundary(std::size_t from, std::size_t floor) const {
    if (!boundaries_.empty()) {
        for (std::size_t p = from; p < m_.size(); p = next_line(p)) {
            if (!is_dash_line(p)) continue;
            bool closing = false;
            const int b = match_boundary(p, closing);
            if (b >= 0) return stop_at(floor, p, b, closing);
        }
    }
    Stop s;
    s.content_end = s.line = s.resume = m_.size();
    return s;
}

void Parser::apply_header(Entity& e, const Header& h, bool in_digest) const {
    if (const auto* f = h.find("Content-Type")) {
        if (auto ct = parse_content_type(f->value)) {
            e.content_type = std::move(*ct);
        } else {
            make_text_plain(e);  // RFC 2045 5.2: a syntactically invalid Content-Type
        }
    } else if (in_digest) {
        e.content_type = ContentType{"message", "rfc822", {}};  // RFC 2046 5.1.5
    } else {
        make_text_plain(e);
    }
    if (const auto* f = h.find("Content-Transfer-Encoding")) {
        auto t = parse_token_value(f->value);
        if (!t.empty()) e.transfer_encoding = std::move(t);
    }
    if (const auto* f = h.find("Content-ID")) e.id = f->value;
    if (const auto* f = h.find("Content-Description")) e.description = f->value;
    if (const auto* f = h.find("Content-MD5")) e.md5 = f->value;
    if (const auto* f = h.find("Content-Disposition")) e.disposition = parse_content_disposition(f->value);
    if (const auto* f = h.find("Content-Language")) e.language = parse_language_list(f->value);
    if (const auto* f = h.find("Content-Location")) {
        std::string loc;  // RFC 2557 4.4.1: folding white space is not part of the URI
        for (char c : f->value)
            if (c != ' ' && c != '\t') loc += c;
        e.location = std::move(loc);
    }
}

std::uint64_t Parser::line_ends(Range r) const {
    const std::string_view s = r.in(m_);
    return static_cast<std::uint64_t>(std::count(s.begin(), s.end(), '\n'));
}

// LFs in the body of an entity whose body_lines is known.
std::uint64_t Parser::body_line_ends(const Entity& e) const {
    const bool partial_last = e.body.length > 0 && m_[e.body.end() - 1] != '\n';
    return e.body_lines - (partial_last ? 1 : 0);
}

// count_lines(m_, e.body), from the counts of the children where there are
// some, so that deep nesting costs one pass over the message, not one per level.
std::uint64_t Parser::count_body_lines(const Entity& e) const {
    if (e.body.length == 0) return 0;
    std::uint64_t lf = 0;
    switch (e.kind) {
    case EntityKind::Leaf:
        lf = line_ends(e.body);
        break;
    case EntityKind::Message:  // the encapsulated header and body fill the body exactly
        lf = line_ends(e.children.front().header) + body_line_ends(e.children.front());
        break;
    case EntityKind::Multipart: {
        std::size_t pos = e.body.offset;
        for (const auto& c : e.children) {  // preamble and delimiters, then each part
            lf += line_ends({pos, c.header.offset - pos}) + line_ends(c.header) + body_line_ends(c);
            pos = c.body.end();
        }
        lf += line_ends({pos, e.body.end() - pos});  // the last delimiters and the epilogue
        break;
    }
    }
    return lf + (m_[e.body.end() - 1] != '\n' ? 1 : 0);
}

Parser::Plan Parser::plan_body(Entity& e, std::size_t depth) {
    const bool deeper_allowed = depth < limits_.max_depth && count_ < limits_.max_entities;
    if (e.content_type.type == "multipart") {
        const Parameter* b = find_parameter(e.content_type.parameters, "boundary");
        if (!b || b->value.empty() || b->value.size() > limits_.max_boundary_octets) {
            make_text_plain(e);  // RFC 2045 5.2: a multipart without boundary is not valid
            return Plan::Leaf;
        }
        if (!deeper_allowed) {
            make_opaque(e);
            mark_over_limit(e);
            return Plan::Leaf;
        }
        return Plan::Multipart;
    }
    if (is_encapsulated_message(e.content_type)) {
        // RFC 2046 5.2.1: only 7bit, 8bit or binary; an encoded message is served as data.
        const auto& te = e.transfer_encoding;
        if (te != "7bit" && te != "8bit" && te != "binary") {
            make_opaque(e);
            return Plan::Leaf;
        }
        if (!deeper_allowed) {
            make_opaque(e);
            mark_over_limit(e);
            return Plan::Leaf;
        }
        return Plan::Message;
    }
    return Plan::Leaf;
}

Stop Parser::parse_entity(Entity& e, std::size_t start, std::size_t depth, bool in_digest) {
    ++count_;
    // The header: up to the empty line, a delimiter line, or the end.
    std::size_t header_end = m_.size();
    std::optional<Stop> header_stop;
    for (std::size_t p = start; p < m_.size(); p = next_line(p)) {
        if (is_dash_line(p)) {
            bool closing = false;
            const int b = match_boundary(p, closing);
            if (b >= 0) {
                header_stop = stop_at(start, p, b, closing);
                header_end = header_stop->content_end;
                break;
            }
        }
        if (m_[p] == '\n' || (m_[p] == '\r' && p + 1 < m_.size() && m_[p + 1] == '\n')) {
            header_end = next_line(p);
            break;
        }
    }
    e.header = {start, header_end - start};
    const Header h = parse_header(m_, e.header, limits_.header);
    if (h.truncated) mark_over_limit(e);
    apply_header(e, h, in_digest);
    const std::size_t body_start = header_end;
    const Plan plan = plan_body(e, depth);

    Stop stop;
    if (header_stop) {  // a delimiter right after the header lines: no body
        stop = *header_stop;
        if (plan == Plan::Multipart) {
            make_text_plain(e);
        } else if (plan == Plan::Message) {
            Entity inner;
            ++count_;
            inner.header = inner.body = {body_start, 0};
            make_text_plain(inner);
            e.kind = EntityKind::Message;
            e.children.push_back(std::move(inner));
        }
        e.body = {body_start, 0};
        return stop;
    }

    switch (plan) {
    case Plan::Leaf:
        stop = scan_to_boundary(body_start, body_start);
        break;
    case Plan::Message: {
        Entity inner;
        stop = parse_entity(inner, body_start, depth + 1, false);
        e.kind = EntityKind::Message;
        e.children.push_back(std::move(inner));
        break;
    }
    case Plan::Multipart: {
        boundaries_.push_back(find_parameter(e.content_type.parameters, "boundary")->value);
        const int mine = static_cast<int>(boundaries_.size()) - 1;
        const bool digest = e.content_type.subtype == "digest";
        stop = scan_to_boundary(body_start, body_start);  // the preamble
        while (stop.boundary == mine && !stop.closing) {
            if (count_ >= limits_.max_entities) {  // the remaining parts stay in the body, unparsed
                mark_over_limit(e);
                do {
                    stop = scan_to_boundary(stop.resume, stop.resume);
                } while (stop.boundary == mine && !stop.closing);
                break;
            }
            Entity part;
            stop = parse_entity(part, stop.resume, depth + 1, digest);
            e.children.push_back(std::move(part));
        }
        boundaries_.pop_back();
        // After the close delimiter, the epilogue runs to an outer delimiter or
        // the end; without one (a missing close delimiter) the multipart ends
        // where its last part ended.
        if (stop.boundary == mine) stop = scan_to_boundary(stop.resume, stop.line);
        if (e.children.empty()) {
            make_text_plain(e);  // no body parts: serve the text as it is
        } else {
            e.kind = EntityKind::Multipart;
        }
        break;
    }
    }
    e.body = {body_start, stop.content_end - body_start};
    e.body_lines = count_body_lines(e);
    return stop;
}

}  // namespace

std::uint64_t count_lines(std::string_view text, Range range) {
    const std::string_view s = range.in(text);
    std::uint64_t n = static_cast<std::uint64_t>(std::count(s.begin(), s.end(), '\n'));
    if (!s.empty() && s.back() != '\n') ++n;
    return n;
}

Structure parse_structure(std::string_view message, const StructureLimits& limits) {
    Structure s;
    Parser p(message, limits);
    (void)p.parse_entity(s.root, 0, 0, false);
    s.entity_count = p.entity_count();
    s.over_limit = p.over_limit();
    return s;
}

}  // namespace tern::mime
