// main.cf syntax (Postfix): "name = value"; a line starting with white space
// continues the previous entry; "#" starts a comment line; blank lines end nothing.
#include "libmail/config/config.h"
#include "libmail/core/text.h"

namespace tern::config {

namespace {

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == '/';
}

Error line_error(const std::string& file, int line, const std::string& what) {
    return Error(file + ":" + std::to_string(line) + ": " + what);
}

}  // namespace

Result<std::vector<MainCfEntry>> parse_main_cf(std::string_view text, const std::string& filename) {
    std::vector<MainCfEntry> out;
    int lineno = 0;
    while (!text.empty()) {
        ++lineno;
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const std::string_view body = trim(line);
        if (body.empty() || body.front() == '#') continue;
        if (line.front() == ' ' || line.front() == '\t') {
            if (out.empty()) return line_error(filename, lineno, "continuation line before any parameter");
            std::string& v = out.back().value;
            if (!v.empty()) v += ' ';
            v += body;
            continue;
        }
        const auto eq = body.find('=');
        if (eq == std::string_view::npos)
            return line_error(filename, lineno, "missing '=' after parameter name: \"" + printable(body, 60) + "\"");
        const std::string_view name = trim(body.substr(0, eq));
        if (name.empty()) return line_error(filename, lineno, "missing parameter name before '='");
        for (char c : name)
            if (!is_name_char(c))
                return line_error(filename, lineno, "bad parameter name: \"" + printable(name, 60) + "\"");
        out.push_back(MainCfEntry{std::string(name), std::string(trim(body.substr(eq + 1))), lineno});
    }
    return out;
}

}  // namespace tern::config
