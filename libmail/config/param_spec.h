// ParamSpec: a main.cf parameter declared once — name, type, compiled-in
// default, bounds and one line of documentation. Each area declares its
// parameters in its own params_<area>.h as `inline constexpr ParamSpec`
// constants plus a kXxxParams list; registry.cc joins the lists, and
// postconf -d and the man/tern.5 completeness test read the registry.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string_view>

namespace tern::config {

enum class ParamType {
    Int,     // decimal integer
    Size,    // byte count (decimal integer, Postfix style, no suffixes)
    Time,    // number with optional unit s/m/h/d/w; bare number uses time_unit
    Bool,    // yes/no (also true/false, 1/0 accepted)
    String,  // free text after $name expansion
    List,    // comma/white-space separated list after $name expansion
};

struct ParamSpec {
    std::string_view name;           // main.cf spelling, identical to Postfix's where Postfix has one
    ParamType type;
    std::string_view default_value;  // parsed by the same code as main.cf, so postconf -d is exact
    std::int64_t min = 0;            // inclusive bounds for Int/Size/Time (Time in seconds)
    std::int64_t max = std::numeric_limits<std::int64_t>::max();
    std::string_view doc;            // one line; printed by postconf -d and man/tern.5
    char time_unit = 's';            // Time only: unit of a bare number (s, m, h, d, w)
};

// A dynamic default: computed at run time when default_value is this marker
// (myhostname, mydomain and friends). See defaults.cc.
inline constexpr std::string_view kComputedDefault = "<computed>";

// Every registered parameter, in registry order.
std::span<const ParamSpec* const> all_params();

// The spec for name, or nullptr when the name is not a Tern parameter.
const ParamSpec* find_param(std::string_view name);

}  // namespace tern::config
