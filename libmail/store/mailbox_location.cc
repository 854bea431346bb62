#include "libmail/store/mailbox_location.h"

#include "libmail/core/text.h"

namespace tern::store {

Result<std::string> locate_maildir(maps::MapList& maps, const std::string& base, const std::string& user) {
    auto value = maps.lookup(user);
    if (!value) return value.error();
    if (!*value) {
        value = maps.lookup(to_lower(user));
        if (!value) return value.error();
    }
    if (!*value) return Error(ENOENT, "no virtual_mailbox_maps entry for " + printable(user));
    const std::string& rel = **value;
    if (rel.empty() || rel.front() == '/') return Error(EINVAL, "unsafe Maildir path for " + printable(user));
    for (auto part : split_any(rel, "/"))
        if (part == "..") return Error(EINVAL, "unsafe Maildir path for " + printable(user));
    std::string root = base + "/" + rel;
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    return root;
}

}  // namespace tern::store
