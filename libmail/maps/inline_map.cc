// inline:{ key=value, { key = value with spaces } } — a small table written in
// the parameter value. Items are separated by commas or white space; an item in
// braces may hold white space. Keys are case-insensitive, as in Postfix.
#include <map>

#include "libmail/core/text.h"
#include "libmail/maps/map_types.h"
#include "libmail/maps/table_text.h"

namespace tern::maps::detail {

namespace {

class InlineMap final : public Map {
public:
    InlineMap(std::string spec, std::map<std::string, std::string, std::less<>> table)
        : spec_(std::move(spec)), table_(std::move(table)) {}
    Result<std::optional<std::string>> lookup(std::string_view key) override {
        auto it = table_.find(to_lower(key));
        if (it == table_.end()) return std::optional<std::string>{};
        return std::optional<std::string>(it->second);
    }
    const std::string& spec() const override { return spec_; }

private:
    std::string spec_;
    std::map<std::string, std::string, std::less<>> table_;
};

bool is_sep(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

Result<MapPtr> open_inline_map(const std::string& spec, const std::string& body) {
    const std::string_view b = trim(body);
    if (b.size() < 2 || b.front() != '{' || b.back() != '}')
        return Error("table " + spec + ": expected inline:{ key=value, ... }");
    if (b.size() > kMaxTableFileBytes) return Error("table " + spec + ": too long");
    std::string_view s = b.substr(1, b.size() - 2);
    std::map<std::string, std::string, std::less<>> table;
    std::size_t i = 0;
    while (i < s.size()) {
        if (is_sep(s[i])) {
            ++i;
            continue;
        }
        std::string_view item;
        if (s[i] == '{') {
            const auto close = s.find('}', i + 1);
            if (close == std::string_view::npos) return Error("table " + spec + ": missing '}'");
            item = s.substr(i + 1, close - i - 1);
            i = close + 1;
        } else {
            std::size_t j = i;
            while (j < s.size() && !is_sep(s[j])) {
                if (s[j] == '{' || s[j] == '}')
                    return Error("table " + spec + ": unexpected '" + std::string(1, s[j]) + "'");
                ++j;
            }
            item = s.substr(i, j - i);
            i = j;
        }
        const auto [k, v] = split_once(item, '=');
        const std::string_view key = trim(k);
        const std::string_view value = trim(v);
        if (item.find('=') == std::string_view::npos || key.empty())
            return Error("table " + spec + ": expected key=value, found \"" + printable(trim(item)) + "\"");
        // emplace keeps the first of duplicate keys, like the file tables.
        table.emplace(to_lower(key), std::string(value));
    }
    if (table.empty()) return Error("table " + spec + ": empty table");
    return MapPtr(new InlineMap(spec, std::move(table)));
}

}  // namespace tern::maps::detail
