// Fuzz target: libmail's MIME parser as imapd uses it on any message in a
// mailbox: the structure tree, every section of the first parts (with
// partial slices), RFC 2047 decoding of header values, RFC 2231 parameters,
// charset conversion and transfer decoding of leaf bodies, SEARCH's body
// text. Asserts the invariants FETCH relies on: every range inside the
// message, the tree's shape (structure.h), sizes and line counts consistent,
// output valid UTF-8.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/text.h"
#include "libmail/mime/charset.h"
#include "libmail/mime/encoded_words.h"
#include "libmail/mime/search_text.h"
#include "libmail/mime/section.h"
#include "libmail/mime/structure.h"
#include "libmail/mime/transfer_decode.h"

namespace {

using namespace tern::mime;

void check(bool ok) {
    if (!ok) std::abort();
}

bool inside(std::string_view m, Range r) { return r.offset <= m.size() && r.length <= m.size() - r.offset; }

struct Walk {
    std::string_view m;
    const StructureLimits& limits;
    std::size_t entities = 0;
    std::vector<std::vector<std::uint32_t>> paths;  // part numbers to look up
    std::vector<const Entity*> leaves;
};

void walk(Walk& w, const Entity& e, std::size_t depth, std::vector<std::uint32_t>& path) {
    ++w.entities;
    check(depth <= w.limits.max_depth + 1);
    check(inside(w.m, e.header) && inside(w.m, e.body));
    check(e.header.end() == e.body.offset);
    check(e.body_lines == count_lines(w.m, e.body));
    check(e.body_lines <= e.body.length);
    const auto& ct = e.content_type;
    check(!ct.type.empty() && !ct.subtype.empty());
    check(ct.type == tern::to_lower(ct.type) && ct.subtype == tern::to_lower(ct.subtype));
    const bool message_type = ct.type == "message" && (ct.subtype == "rfc822" || ct.subtype == "global");
    switch (e.kind) {
    case EntityKind::Leaf:
        check(e.children.empty() && ct.type != "multipart" && !message_type);
        if (w.leaves.size() < 64) w.leaves.push_back(&e);
        break;
    case EntityKind::Multipart: {
        check(!e.children.empty() && ct.type == "multipart");
        std::size_t prev_end = e.body.offset;
        for (const auto& c : e.children) {
            check(c.header.offset >= prev_end && c.body.end() <= e.body.end());
            prev_end = c.body.end();
        }
        break;
    }
    case EntityKind::Message:
        check(e.children.size() == 1 && message_type);
        check(e.children[0].header.offset == e.body.offset && e.children[0].body.end() == e.body.end());
        break;
    }
    if (w.paths.size() < 200) w.paths.push_back(path);
    const bool numbered = e.kind == EntityKind::Multipart;
    for (std::size_t i = 0; i < e.children.size(); ++i) {
        if (numbered) path.push_back(static_cast<std::uint32_t>(i + 1));
        walk(w, e.children[i], depth + 1, path);
        if (numbered) path.pop_back();
    }
}

void check_section(std::string_view m, const Structure& s, const Section& sec, std::uint64_t origin,
                   std::uint64_t count) {
    const auto b = find_section(m, s, sec);
    if (!b) return;
    std::uint64_t total = b->trailer.size();
    for (const auto& r : b->ranges) {
        check(inside(m, r));
        total += r.length;
    }
    check(total == b->size());
    const SectionBytes p = partial(*b, origin, count);
    for (const auto& r : p.ranges) check(inside(m, r));
    const std::uint64_t expect = origin >= total ? 0 : std::min(count, total - origin);
    check(p.size() == expect);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view m(reinterpret_cast<const char*>(data), size);
    StructureLimits limits;
    const Structure s = parse_structure(m, limits);
    check(s.entity_count <= limits.max_entities);

    Walk w{m, limits, 0, {}, {}};
    std::vector<std::uint32_t> path;
    walk(w, s.root, 0, path);
    check(w.entities == s.entity_count);

    const std::uint64_t origin = size > 0 ? data[0] : 0;
    const std::uint64_t count = size > 1 ? data[1] * 3u : 7;
    for (const auto& p : w.paths) {
        for (SectionText t : {SectionText::Full, SectionText::Header, SectionText::Text, SectionText::Mime,
                              SectionText::HeaderFields, SectionText::HeaderFieldsNot})
            check_section(m, s, Section{p, t, {"subject", "content-type"}}, origin, count);
        // A number past the last part, and one below a part.
        auto more = p;
        more.push_back(1);
        check_section(m, s, Section{more, SectionText::Full, {}}, origin, count);
        more.back() = 1000;
        check_section(m, s, Section{more, SectionText::Full, {}}, origin, count);
    }

    // Header values as SEARCH decodes them.
    const Header h = parse_header(m, s.root.header);
    for (const auto& f : h.fields) {
        check(inside(m, f.raw));
        check(tern::is_valid_utf8(decode_encoded_words(f.value)));
    }
    check(tern::is_valid_utf8(decode_encoded_words(m.substr(0, 4096))));

    // Leaf bodies as BINARY[] and SEARCH BODY decode them.
    std::size_t decoded = 0;
    for (const Entity* leaf : w.leaves) {
        const std::string_view body = leaf->body.in(m);
        if (decoded > (1u << 20)) break;
        decoded += body.size();
        if (auto r = decode_transfer_encoding(body, leaf->transfer_encoding)) {
            check(r->size() <= body.size());
            if (const Parameter* cs = find_parameter(leaf->content_type.parameters, "charset"))
                if (auto u = to_utf8(r->substr(0, 4096), cs->value)) check(tern::is_valid_utf8(*u));
        }
        for (const auto& p : leaf->content_type.parameters) check(!p.name.empty());
    }
    for (const auto& t : body_texts(m, s, 1 << 16)) check(tern::is_valid_utf8(t));
    return 0;
}
