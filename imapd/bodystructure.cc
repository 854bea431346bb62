#include "imapd/bodystructure.h"

#include "imapd/envelope.h"
#include "libmail/core/text.h"

namespace tern::imapd {

namespace {

struct ContentType {
    std::string type = "TEXT";
    std::string subtype = "PLAIN";
    std::vector<std::pair<std::string, std::string>> params;
};

// "type/subtype; name=value; name="quoted value"" (RFC 2045 5.1), leniently.
ContentType parse_content_type(const HeaderField* f, bool in_digest) {
    ContentType ct;
    if (in_digest) {  // RFC 2046 5.1.5: the default in a multipart/digest
        ct.type = "MESSAGE";
        ct.subtype = "RFC822";
    } else {
        ct.params.push_back({"CHARSET", "us-ascii"});
    }
    if (!f) return ct;
    std::string_view v = f->value;
    const auto semi = v.find(';');
    const auto [t, s] = split_once(trim(v.substr(0, semi)), '/');
    if (trim(t).empty() || trim(s).empty()) return ct;
    ct.type = to_upper(trim(t));
    ct.subtype = to_upper(trim(s));
    ct.params.clear();
    std::size_t i = semi == std::string_view::npos ? v.size() : semi + 1;
    while (i < v.size() && ct.params.size() < 50) {
        while (i < v.size() && (v[i] == ' ' || v[i] == '\t' || v[i] == ';')) ++i;
        const auto eq = v.find('=', i);
        if (eq == std::string_view::npos) break;
        std::string name = to_upper(trim(v.substr(i, eq - i)));
        i = eq + 1;
        while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
        std::string value;
        if (i < v.size() && v[i] == '"') {
            ++i;
            while (i < v.size() && v[i] != '"') {
                if (v[i] == '\\' && i + 1 < v.size()) ++i;
                value += v[i++];
            }
            ++i;
        } else {
            while (i < v.size() && v[i] != ';') value += v[i++];
            value = std::string(trim(value));
        }
        if (!name.empty()) ct.params.push_back({std::move(name), std::move(value)});
    }
    return ct;
}

std::optional<std::string> param(const ContentType& ct, std::string_view name) {
    for (const auto& [n, v] : ct.params)
        if (iequals(n, name)) return v;
    return std::nullopt;
}

// The parts of a multipart body between "--boundary" lines (RFC 2046 5.1.1).
std::vector<std::string_view> split_multipart(std::string_view body, const std::string& boundary) {
    std::vector<std::string_view> parts;
    const std::string delim = "--" + boundary;
    std::size_t part_start = std::string_view::npos;
    std::size_t pos = 0;
    while (pos < body.size() && parts.size() < kMaxMimeParts) {
        auto lf = body.find('\n', pos);
        const std::size_t next = lf == std::string_view::npos ? body.size() : lf + 1;
        std::string_view line = body.substr(pos, next - pos);
        if (line.substr(0, delim.size()) == delim) {
            std::string_view rest = line.substr(delim.size());
            const bool closing = rest.substr(0, 2) == "--";
            if (part_start != std::string_view::npos) {
                // The CRLF before the delimiter belongs to the delimiter.
                std::size_t end = pos;
                if (end > part_start && body[end - 1] == '\n') --end;
                if (end > part_start && body[end - 1] == '\r') --end;
                parts.push_back(body.substr(part_start, end - part_start));
            }
            if (closing) return parts;
            part_start = next;
        }
        pos = next;
    }
    if (part_start != std::string_view::npos && part_start < body.size())
        parts.push_back(body.substr(part_start));  // no closing delimiter
    return parts;
}

std::size_t count_lines(std::string_view s) {
    std::size_t n = 0;
    for (char c : s)
        if (c == '\n') ++n;
    return n;
}

std::string structure(std::string_view entity, bool in_digest, int depth) {
    const auto header = header_block(entity);
    const auto body = entity.substr(header.size());
    const auto fields = parse_header(header);
    auto ct = parse_content_type(find_field(fields, "Content-Type"), in_digest);
    const auto boundary = param(ct, "BOUNDARY");
    if (ct.type == "MULTIPART" && boundary && !boundary->empty() && depth < kMaxMimeDepth) {
        auto parts = split_multipart(body, *boundary);
        if (!parts.empty()) {
            std::string out = "(";
            for (auto p : parts) out += structure(p, ct.subtype == "DIGEST", depth + 1);
            out += " " + imap_string(ct.subtype) + ")";
            return out;
        }
    }
    if (ct.type == "MULTIPART") {  // broken multipart: serve it as opaque data
        ct.type = "APPLICATION";
        ct.subtype = "OCTET-STREAM";
        ct.params.clear();
    }
    std::string out = "(" + imap_string(ct.type) + " " + imap_string(ct.subtype) + " ";
    if (ct.params.empty()) {
        out += "NIL";
    } else {
        out += "(";
        for (std::size_t i = 0; i < ct.params.size(); ++i) {
            if (i) out += ' ';
            out += imap_string(ct.params[i].first) + " " + imap_string(ct.params[i].second);
        }
        out += ")";
    }
    auto field = [&](std::string_view n) -> std::optional<std::string> {
        const auto* f = find_field(fields, n);
        if (!f) return std::nullopt;
        return f->value;
    };
    const auto enc = field("Content-Transfer-Encoding");
    out += " " + imap_nstring(field("Content-ID")) + " " + imap_nstring(field("Content-Description")) + " " +
           imap_string(enc ? to_upper(*enc) : std::string("7BIT")) + " " + std::to_string(body.size());
    if (ct.type == "MESSAGE" && ct.subtype == "RFC822" && depth < kMaxMimeDepth) {
        out += " " + envelope(header_block(body)) + " " + structure(body, false, depth + 1) + " " +
               std::to_string(count_lines(body));
    } else if (ct.type == "TEXT") {
        out += " " + std::to_string(count_lines(body));
    }
    out += ")";
    return out;
}

}  // namespace

std::string_view part_body(std::string_view entity) { return entity.substr(body_offset(entity)); }

std::string body_structure(std::string_view message) { return structure(message, false, 0); }

std::optional<std::string_view> find_part(std::string_view message, const std::vector<std::uint32_t>& path) {
    std::string_view entity = message;
    bool in_digest = false;
    for (std::size_t depth = 0; depth < path.size(); ++depth) {
        const auto n = path[depth];
        const auto fields = parse_header(header_block(entity));
        auto ct = parse_content_type(find_field(fields, "Content-Type"), in_digest);
        const auto boundary = param(ct, "BOUNDARY");
        if (ct.type == "MULTIPART" && boundary && !boundary->empty()) {
            auto parts = split_multipart(part_body(entity), *boundary);
            if (n == 0 || n > parts.size()) return std::nullopt;
            entity = parts[n - 1];
            in_digest = ct.subtype == "DIGEST";
        } else if (ct.type == "MESSAGE" && ct.subtype == "RFC822" && depth > 0) {
            // Part numbers continue into the encapsulated message.
            std::string_view inner = part_body(entity);
            auto sub = find_part(inner, {path.begin() + static_cast<long>(depth), path.end()});
            return sub;
        } else {
            if (n != 1) return std::nullopt;  // a single-part entity has only part 1
        }
    }
    return entity;
}

}  // namespace tern::imapd
