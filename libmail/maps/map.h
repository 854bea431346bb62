// Lookup tables named "type:name" (DESIGN.md "Configuration"):
//   hash:/path, btree:/path   Berkeley DB built by postmap (path.db)
//   texthash:/path            the text file read directly
//   pcre:/path                PCRE2 patterns, /regex/flags result
//   inline:{ k=v, k2=v2 }     the table in the parameter value
//   static:value              every key maps to value
// Keys are matched as Postfix does for the type (hash: keys are lower-cased
// when the table is built and looked up). A table whose file changes is
// reopened on the next lookup (checked at most once a second).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"

namespace tern::maps {

class Map {
public:
    virtual ~Map() = default;
    // The value for key; nullopt when absent; an error when the table cannot be read.
    [[nodiscard]] virtual Result<std::optional<std::string>> lookup(std::string_view key) = 0;
    // "type:name" as configured, for log lines.
    virtual const std::string& spec() const = 0;
};
using MapPtr = std::unique_ptr<Map>;

// Opens one table. An unknown type or a malformed table is an error naming it
// (and file:line for text tables).
[[nodiscard]] Result<MapPtr> open_map(const std::string& spec);

// Several tables searched in order, as a Postfix list parameter of maps.
class MapList {
public:
    [[nodiscard]] static Result<MapList> open(const std::vector<std::string>& specs);
    [[nodiscard]] Result<std::optional<std::string>> lookup(std::string_view key);
    bool empty() const { return maps_.empty(); }

private:
    std::vector<MapPtr> maps_;
};

}  // namespace tern::maps
