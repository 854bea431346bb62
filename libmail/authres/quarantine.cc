#include "libmail/authres/quarantine.h"

#include "libmail/core/text.h"

namespace tern::authres {

std::string quarantine_field(std::string_view reason) {
    std::string out = std::string(kQuarantineField) + ": ";
    for (unsigned char c : reason)
        if (c >= 0x20 && c != 0x7f) out += static_cast<char>(c);
    return out + "\n";
}

bool is_quarantine_field(std::string_view field) {
    if (field.size() <= kQuarantineField.size() || !iequals(field.substr(0, kQuarantineField.size()), kQuarantineField))
        return false;
    std::string_view rest = field.substr(kQuarantineField.size());
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    return !rest.empty() && rest.front() == ':';
}

bool has_quarantine_mark(std::string_view prepended) {
    while (!prepended.empty()) {
        const auto lf = prepended.find('\n');
        const std::string_view line = prepended.substr(0, lf);
        if (is_quarantine_field(line)) return true;
        if (lf == std::string_view::npos) break;
        prepended.remove_prefix(lf + 1);
    }
    return false;
}

}  // namespace tern::authres
