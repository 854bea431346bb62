// Config: main.cf settings validated against the registry, with $name
// expansion and typed getters. Validation happens once, at load, so that a
// getter never meets a malformed value (it would be a bug: log::panic).
#include "libmail/config/config.h"

#include <unistd.h>

#include <cctype>
#include <cstdint>

#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::config {

namespace {

constexpr int kMaxExpansionDepth = 20;
constexpr std::size_t kMaxExpandedBytes = 1024 * 1024;

std::optional<std::int64_t> parse_time_seconds(std::string_view v, char default_unit) {
    v = trim(v);
    if (v.empty()) return std::nullopt;
    char unit = default_unit;
    if (v.back() < '0' || v.back() > '9') {
        unit = v.back();
        v.remove_suffix(1);
    }
    auto n = parse_number<std::int64_t>(v);
    if (!n || *n < 0) return std::nullopt;
    std::int64_t mult = 0;
    switch (unit) {
    case 's': mult = 1; break;
    case 'm': mult = 60; break;
    case 'h': mult = 3600; break;
    case 'd': mult = 86400; break;
    case 'w': mult = 7 * 86400; break;
    default: return std::nullopt;
    }
    if (*n > INT64_MAX / mult) return std::nullopt;
    return *n * mult;
}

std::optional<bool> parse_bool(std::string_view v) {
    v = trim(v);
    if (iequals(v, "yes") || iequals(v, "true") || v == "1") return true;
    if (iequals(v, "no") || iequals(v, "false") || v == "0") return false;
    return std::nullopt;
}

// Checks an expanded value against its spec; returns the problem or "".
std::string check_value(const ParamSpec& p, const std::string& v) {
    switch (p.type) {
    case ParamType::Int:
    case ParamType::Size: {
        auto n = parse_number<std::int64_t>(trim(v));
        if (!n) return "bad numerical value for " + std::string(p.name) + ": \"" + printable(v, 60) + "\"";
        if (*n < p.min || *n > p.max)
            return "value for " + std::string(p.name) + " out of range (" + std::to_string(p.min) + ".." +
                   std::to_string(p.max) + "): " + v;
        return {};
    }
    case ParamType::Time: {
        auto n = parse_time_seconds(v, p.time_unit);
        if (!n) return "bad time value for " + std::string(p.name) + ": \"" + printable(v, 60) + "\" (use a number with s, m, h, d or w)";
        if (*n < p.min || *n > p.max)
            return "value for " + std::string(p.name) + " out of range (" + std::to_string(p.min) + "s.." +
                   std::to_string(p.max) + "s): " + v;
        return {};
    }
    case ParamType::Bool:
        if (!parse_bool(v)) return "bad boolean value for " + std::string(p.name) + ": \"" + printable(v, 60) + "\" (use yes or no)";
        return {};
    case ParamType::String:
    case ParamType::List:
        return {};
    }
    return {};
}

std::string system_hostname() {
    char buf[256] = {0};
    if (::gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost.localdomain";
    std::string h = to_lower(buf);
    if (h.find('.') == std::string::npos) h += ".localdomain";
    return h;
}

}  // namespace

std::string check_param_value(const ParamSpec& p, const std::string& value) { return check_value(p, value); }

std::string default_value(const ParamSpec& p, const Config* cfg) {
    if (p.default_value != kComputedDefault) return std::string(p.default_value);
    if (p.name == "myhostname") return system_hostname();
    if (p.name == "mydomain") {
        const std::string host = cfg ? cfg->get_by_name("myhostname") : system_hostname();
        const auto dot = host.find('.');
        return dot == std::string::npos ? "localdomain" : host.substr(dot + 1);
    }
    return {};
}

Result<Config> Config::load(const std::string& config_dir,
                            const std::vector<std::pair<std::string, std::string>>& overrides) {
    const std::string path = config_dir + "/main.cf";
    std::string text;
    if (::access(path.c_str(), F_OK) == 0) {
        auto r = read_file(path, kMaxMainCfBytes);
        if (!r) return r.error();
        text = std::move(*r);
    }
    return from_text(text, path, config_dir, overrides);
}

Result<Config> Config::from_text(std::string_view main_cf, const std::string& filename, const std::string& config_dir,
                                 const std::vector<std::pair<std::string, std::string>>& overrides) {
    auto entries = parse_main_cf(main_cf, filename);
    if (!entries) return entries.error();
    Config c;
    c.config_dir_ = config_dir;
    c.entries_ = std::move(*entries);
    for (const auto& [name, value] : overrides) c.entries_.push_back(MainCfEntry{name, value, 0});
    for (const auto& e : c.entries_) c.settings_[e.name] = e.value;
    for (const auto& e : c.entries_) {
        const std::string where = e.line > 0 ? filename + ":" + std::to_string(e.line) : "override -o " + e.name;
        const ParamSpec* p = find_param(e.name);
        if (!p) {
            // Postfix allows user-defined parameters used as $name elsewhere.
            if (main_cf.find("$" + e.name) == std::string_view::npos &&
                main_cf.find("${" + e.name) == std::string_view::npos)
                c.warnings_.push_back(where + ": unknown parameter: " + e.name);
            continue;
        }
        const std::string problem = check_value(*p, c.expand(e.value));
        if (!problem.empty()) return Error(where + ": " + problem);
    }
    return c;
}

const std::string* Config::raw_setting(const std::string& name) const {
    auto it = settings_.find(name);
    return it == settings_.end() ? nullptr : &it->second;
}

std::string Config::get_by_name(const std::string& name) const {
    if (const std::string* raw = raw_setting(name)) return expand(*raw);
    if (name == "config_directory" && !config_dir_.empty()) return config_dir_;  // where main.cf was read
    if (const ParamSpec* p = find_param(name)) return expand(default_value(*p, this));
    return {};
}

std::string Config::get(const ParamSpec& p) const { return get_by_name(std::string(p.name)); }

std::int64_t Config::get_int(const ParamSpec& p) const {
    auto n = parse_number<std::int64_t>(trim(get(p)));
    if (!n) log::panic("parameter %s: not a number after validation", std::string(p.name).c_str());
    return *n;
}

std::chrono::seconds Config::get_time(const ParamSpec& p) const {
    auto n = parse_time_seconds(get(p), p.time_unit);
    if (!n) log::panic("parameter %s: not a time after validation", std::string(p.name).c_str());
    return std::chrono::seconds(*n);
}

bool Config::get_bool(const ParamSpec& p) const {
    auto b = parse_bool(get(p));
    if (!b) log::panic("parameter %s: not a boolean after validation", std::string(p.name).c_str());
    return *b;
}

std::vector<std::string> Config::get_list(const ParamSpec& p) const {
    // Postfix list syntax: commas and white space separate; text inside {...}
    // stays one item (inline:{ a=1, b=2 }).
    const std::string v = get(p);
    std::vector<std::string> out;
    std::string cur;
    int depth = 0;
    for (char c : v) {
        if (c == '{') ++depth;
        if (c == '}' && depth > 0) --depth;
        if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
            if (!cur.empty()) out.push_back(std::move(cur));
            cur.clear();
            continue;
        }
        cur += c;
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
}

std::string Config::expand(std::string_view text) const {
    // Iterative depth guard: each nested expansion of a $name counts one level.
    struct Expander {
        const Config& cfg;
        std::string out;
        void run(std::string_view t, int depth) {
            for (std::size_t i = 0; i < t.size(); ++i) {
                if (out.size() > kMaxExpandedBytes) return;
                const char c = t[i];
                if (c != '$' || i + 1 >= t.size()) {
                    out += c;
                    continue;
                }
                const char n = t[i + 1];
                if (n == '$') {
                    out += '$';
                    ++i;
                    continue;
                }
                std::string name;
                std::string_view alt;
                char op = 0;
                if (n == '{' || n == '(') {
                    // Match the closing brace, counting nested ones: ${a?${b}} is one reference.
                    const char close = n == '{' ? '}' : ')';
                    std::size_t end = std::string_view::npos;
                    int nest = 0;
                    for (std::size_t k = i + 2; k < t.size(); ++k) {
                        if (t[k] == n) ++nest;
                        else if (t[k] == close && nest-- == 0) {
                            end = k;
                            break;
                        }
                    }
                    if (end == std::string_view::npos) {
                        out += c;
                        continue;
                    }
                    std::string_view inner = t.substr(i + 2, end - i - 2);
                    const auto q = inner.find_first_of("?:");
                    if (q != std::string_view::npos) {
                        op = inner[q];
                        alt = inner.substr(q + 1);
                        inner = inner.substr(0, q);
                    }
                    name = std::string(inner);
                    i = end;
                } else {
                    std::size_t j = i + 1;
                    while (j < t.size() && (std::isalnum(static_cast<unsigned char>(t[j])) || t[j] == '_')) ++j;
                    if (j == i + 1) {
                        out += c;
                        continue;
                    }
                    name = std::string(t.substr(i + 1, j - i - 1));
                    i = j - 1;
                }
                std::string value;
                if (const std::string* raw = cfg.raw_setting(name)) value = *raw;
                else if (name == "config_directory") value = cfg.config_dir();
                else if (const ParamSpec* p = find_param(name)) value = default_value(*p, &cfg);
                const bool set = !value.empty();
                if (depth >= kMaxExpansionDepth) continue;  // a loop: stop expanding, never hang
                if (op == '?') {
                    if (set) run(alt, depth + 1);
                } else if (op == ':') {
                    if (!set) run(alt, depth + 1);
                } else {
                    run(value, depth + 1);
                }
            }
        }
    } ex{*this, {}};
    ex.run(text, 0);
    return ex.out;
}

}  // namespace tern::config
