#include "imapd/flags.h"

#include <algorithm>

#include "libmail/core/text.h"

namespace tern::imapd {

namespace {
struct FlagName {
    char letter;
    std::string_view name;
};
// Letter order, the order Maildir keeps them in.
constexpr FlagName kFlags[] = {
    {'D', "\\Draft"}, {'F', "\\Flagged"}, {'R', "\\Answered"}, {'S', "\\Seen"}, {'T', "\\Deleted"},
};
}  // namespace

std::optional<char> flag_letter(std::string_view imap_flag) {
    for (const auto& f : kFlags)
        if (iequals(f.name, imap_flag)) return f.letter;
    return std::nullopt;
}

std::string format_flags(std::string_view letters, const std::vector<std::string>& keywords) {
    std::string out = "(";
    for (const auto& f : kFlags) {
        if (!has_flag(letters, f.letter)) continue;
        if (out.size() > 1) out += ' ';
        out += f.name;
    }
    for (const auto& k : keywords) {
        if (out.size() > 1) out += ' ';
        out += k;
    }
    out += ')';
    return out;
}

}  // namespace tern::imapd
