#include "libmail/mime/search_text.h"

#include "libmail/mime/charset.h"
#include "libmail/mime/transfer_decode.h"

namespace tern::mime {

namespace {

void collect(std::string_view message, const Entity& e, std::size_t& budget, std::vector<std::string>& out) {
    if (budget == 0) return;
    if (e.kind == EntityKind::Leaf) {
        if (e.content_type.type != "text") return;  // images and archives hold no searchable text
        const std::size_t take = std::min(budget, e.body.length);
        budget -= take;
        out.push_back(leaf_text(message, e, take));
        return;
    }
    for (const auto& c : e.children) collect(message, c, budget, out);
}

}  // namespace

std::string leaf_text(std::string_view message, const Entity& leaf, std::size_t max_octets) {
    const std::string_view body = leaf.body.in(message).substr(0, max_octets);
    auto decoded = decode_transfer_encoding(body, leaf.transfer_encoding);
    std::string bytes = decoded ? std::move(*decoded) : std::string(body);
    const Parameter* cs = find_parameter(leaf.content_type.parameters, "charset");
    if (auto utf8 = to_utf8(bytes, cs ? std::string_view(cs->value) : std::string_view("us-ascii")))
        return std::move(*utf8);
    return repair_utf8(bytes);
}

std::vector<std::string> body_texts(std::string_view message, const Structure& s, std::size_t max_octets) {
    std::vector<std::string> out;
    std::size_t budget = max_octets;
    collect(message, s.root, budget, out);
    return out;
}

}  // namespace tern::mime
