// texthash:/path — the postmap source text read directly into memory, re-read
// when the file changes (FileWatch). Keys are case-insensitive.
#include <unordered_map>

#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/maps/file_watch.h"
#include "libmail/maps/map_types.h"
#include "libmail/maps/table_text.h"

namespace tern::maps::detail {

namespace {

using Table = std::unordered_map<std::string, std::string>;

Result<Table> load(const std::string& path) {
    auto text = read_table_file(path);
    if (!text) return text.error();
    for (const std::string& w : text->warnings) log::warning("%s", w.c_str());
    Table t;
    for (TableEntry& e : text->entries) t.emplace(std::move(e.key), std::move(e.value));
    return t;
}

class TexthashMap final : public Map {
public:
    TexthashMap(std::string spec, FileWatch watch, Table table)
        : spec_(std::move(spec)), watch_(std::move(watch)), table_(std::move(table)) {}

    Result<std::optional<std::string>> lookup(std::string_view key) override {
        if (watch_.changed()) {
            auto t = load(watch_.path());
            if (t) {
                table_ = std::move(*t);
            } else {
                // Keep answering from the version we have until the file is fixed.
                log::warning("table %s: reload failed, keeping the previous version: %s",
                             spec_.c_str(), t.error().message.c_str());
            }
        }
        if (key.size() > kMaxKeyBytes) return std::optional<std::string>{};
        auto it = table_.find(to_lower(key));
        if (it == table_.end()) return std::optional<std::string>{};
        return std::optional<std::string>(it->second);
    }
    const std::string& spec() const override { return spec_; }

private:
    std::string spec_;
    FileWatch watch_;
    Table table_;
};

}  // namespace

Result<MapPtr> open_texthash_map(const std::string& spec, const std::string& path) {
    FileWatch watch(path);
    watch.remember();  // before reading: a change during the read is seen next time
    auto t = load(path);
    if (!t) return t.error();
    return MapPtr(new TexthashMap(spec, std::move(watch), std::move(*t)));
}

}  // namespace tern::maps::detail
