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
bool is_system_letter(char c) {
    for (const auto& f : kFlags)
        if (f.letter == c) return true;
    return false;
}
}  // namespace

std::optional<char> flag_letter(std::string_view imap_flag) {
    for (const auto& f : kFlags)
        if (iequals(f.name, imap_flag)) return f.letter;
    return std::nullopt;
}

std::string format_flags(std::string_view letters) {
    std::string out = "(";
    for (const auto& f : kFlags) {
        if (!has_flag(letters, f.letter)) continue;
        if (out.size() > 1) out += ' ';
        out += f.name;
    }
    out += ')';
    return out;
}

std::string apply_flags(std::string_view letters, StoreMode mode, const std::vector<std::string>& imap_flags) {
    std::string given;
    for (const auto& f : imap_flags)
        if (auto l = flag_letter(f)) given += *l;
    std::string out;
    switch (mode) {
    case StoreMode::Replace:
        for (char c : letters)
            if (!is_system_letter(c)) out += c;
        out += given;
        break;
    case StoreMode::Add:
        out = std::string(letters) + given;
        break;
    case StoreMode::Remove:
        for (char c : letters)
            if (given.find(c) == std::string::npos) out += c;
        break;
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace tern::imapd
