#include "libmail/cleanup/header_action.h"

#include "libmail/core/text.h"

namespace tern::cleanup {

ParsedAction parse_header_action(std::string_view result) {
    const std::string_view r = trim(result);
    std::size_t end = 0;
    while (end < r.size() && r[end] != ' ' && r[end] != '\t') ++end;
    const std::string_view word = r.substr(0, end);
    const std::string text(trim(r.substr(end)));
    struct Entry {
        std::string_view word;
        HeaderAction action;
    };
    static constexpr Entry kActions[] = {
        {"DUNNO", HeaderAction::Dunno},   {"OK", HeaderAction::Dunno},         {"REJECT", HeaderAction::Reject},
        {"DISCARD", HeaderAction::Discard}, {"HOLD", HeaderAction::Hold},     {"WARN", HeaderAction::Warn},
        {"IGNORE", HeaderAction::Ignore}, {"PREPEND", HeaderAction::Prepend}, {"REPLACE", HeaderAction::Replace},
    };
    for (const Entry& e : kActions) {
        if (!iequals(word, e.word)) continue;
        if ((e.action == HeaderAction::Prepend || e.action == HeaderAction::Replace) && text.empty()) break;
        return ParsedAction{e.action, text};
    }
    return ParsedAction{HeaderAction::Unknown, std::string(r)};
}

}  // namespace tern::cleanup
