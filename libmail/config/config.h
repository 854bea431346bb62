// Config: main.cf loaded, validated and expanded, with typed getters by
// ParamSpec. Loading fails with "FILE:LINE: what is wrong" for a malformed
// line or a value out of bounds, so no program runs half-configured; an
// unknown parameter name is a warning (returned, not fatal), as in Postfix.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "libmail/config/param_spec.h"
#include "libmail/core/result.h"

namespace tern::config {

// One "name = value" line of main.cf, continuation lines joined with a space.
struct MainCfEntry {
    std::string name;
    std::string value;  // raw, before $name expansion
    int line = 0;       // first line of the entry
};

// Parses main.cf text. Errors name `filename` and the line.
[[nodiscard]] Result<std::vector<MainCfEntry>> parse_main_cf(std::string_view text,
                                                             const std::string& filename);

// A main.cf larger than this is refused (it is a configuration file, not data).
inline constexpr std::size_t kMaxMainCfBytes = 4 * 1024 * 1024;

class Config {
public:
    // Reads config_dir/main.cf (a missing file means all defaults), then applies
    // overrides (master.cf -o name=value, in order). Every known parameter that
    // is set is expanded and checked against its type and bounds.
    [[nodiscard]] static Result<Config> load(
        const std::string& config_dir,
        const std::vector<std::pair<std::string, std::string>>& overrides = {});

    // Builds a Config from main.cf text directly (tests, postconf -c on a file).
    [[nodiscard]] static Result<Config> from_text(
        std::string_view main_cf, const std::string& filename, const std::string& config_dir,
        const std::vector<std::pair<std::string, std::string>>& overrides = {});

    // Typed getters: the value after $name expansion. The spec must be registered.
    std::string get(const ParamSpec& p) const;
    std::int64_t get_int(const ParamSpec& p) const;                // Int and Size
    std::chrono::seconds get_time(const ParamSpec& p) const;      // Time
    bool get_bool(const ParamSpec& p) const;                       // Bool
    std::vector<std::string> get_list(const ParamSpec& p) const;   // List (and String split)

    // Any parameter by name, expanded; empty when neither set nor known.
    std::string get_by_name(const std::string& name) const;
    // Raw (unexpanded) value as set in main.cf or overrides; nullptr if not set.
    const std::string* raw_setting(const std::string& name) const;
    // Whether the parameter is set in main.cf or by an override.
    bool is_set(const std::string& name) const { return raw_setting(name) != nullptr; }
    // Expands $name, ${name}, ${name?text}, ${name:text} in any text.
    std::string expand(std::string_view text) const;

    const std::string& config_dir() const { return config_dir_; }
    // Warnings found while loading ("main.cf:12: unknown parameter: foo").
    const std::vector<std::string>& warnings() const { return warnings_; }
    // The settings in main.cf order (for postconf -n), overrides last.
    const std::vector<MainCfEntry>& entries() const { return entries_; }

private:
    std::string config_dir_;
    std::vector<MainCfEntry> entries_;
    std::map<std::string, std::string, std::less<>> settings_;  // name -> raw value
    std::vector<std::string> warnings_;
};

// What is wrong with `value` (already expanded) for parameter p, as in
// "bad numerical value for NAME: \"VALUE\""; empty when it is valid.
std::string check_param_value(const ParamSpec& p, const std::string& value);

// The compiled-in default of p, computed for kComputedDefault parameters
// (myhostname from the system host name, mydomain from myhostname).
std::string default_value(const ParamSpec& p, const Config* cfg = nullptr);

}  // namespace tern::config
