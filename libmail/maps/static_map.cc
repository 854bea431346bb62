// static:value — every key maps to the same value. "static:{ text with spaces }"
// strips the braces and surrounding white space, as Postfix does.
#include "libmail/core/text.h"
#include "libmail/maps/map_types.h"

namespace tern::maps::detail {

namespace {

class StaticMap final : public Map {
public:
    StaticMap(std::string spec, std::string value) : spec_(std::move(spec)), value_(std::move(value)) {}
    Result<std::optional<std::string>> lookup(std::string_view) override {
        return std::optional<std::string>(value_);
    }
    const std::string& spec() const override { return spec_; }

private:
    std::string spec_;
    std::string value_;
};

}  // namespace

Result<MapPtr> open_static_map(const std::string& spec, const std::string& body) {
    std::string_view v = body;
    if (!v.empty() && v.front() == '{') {
        if (v.back() != '}') return Error("table " + spec + ": missing '}'");
        v = trim(v.substr(1, v.size() - 2));
    }
    if (v.empty()) return Error("table " + spec + ": empty value");
    return MapPtr(new StaticMap(spec, std::string(v)));
}

}  // namespace tern::maps::detail
