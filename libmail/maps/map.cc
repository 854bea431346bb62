#include "libmail/maps/map.h"

#include "libmail/core/text.h"
#include "libmail/maps/map_types.h"

namespace tern::maps {

Result<MapPtr> open_map(const std::string& spec) {
    const auto colon = spec.find(':');
    if (colon == std::string::npos || colon == 0)
        return Error("table " + spec + ": expected type:name");
    const std::string type = to_lower(std::string_view(spec).substr(0, colon));
    const std::string name = spec.substr(colon + 1);
    if (type == "static") return detail::open_static_map(spec, name);
    if (type == "inline") return detail::open_inline_map(spec, name);
    if (name.empty()) return Error("table " + spec + ": missing file name");
    if (type == "hash" || type == "btree") return detail::open_bdb_map(spec, type, name);
    if (type == "texthash") return detail::open_texthash_map(spec, name);
    if (type == "pcre") return detail::open_pcre_map(spec, name);
    // Postfix's wording, so an admin's search for it finds the answer.
    return Error("table " + spec + ": unsupported dictionary type: " + type);
}

Result<MapList> MapList::open(const std::vector<std::string>& specs) {
    MapList list;
    for (const std::string& s : specs) {
        auto m = open_map(s);
        if (!m) return m.error();
        list.maps_.push_back(std::move(*m));
    }
    return list;
}

Result<std::optional<std::string>> MapList::lookup(std::string_view key) {
    for (MapPtr& m : maps_) {
        auto r = m->lookup(key);
        // A table that cannot be read is an error, not a miss: the caller must
        // defer rather than act as if the key were absent (Postfix does the same).
        if (!r) return r.error();
        if (*r) return r;
    }
    return std::optional<std::string>{};
}

}  // namespace tern::maps
