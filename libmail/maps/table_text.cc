#include "libmail/maps/table_text.h"

#include <unordered_map>

#include "libmail/core/file_io.h"
#include "libmail/core/text.h"

namespace tern::maps {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string where(const std::string& filename, int line) {
    return filename + ":" + std::to_string(line) + ": ";
}

}  // namespace

Result<std::vector<LogicalLine>> logical_lines(std::string_view text, const std::string& filename) {
    std::vector<LogicalLine> out;
    bool open = false;  // the last logical line may still take continuations
    int lineno = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view phys = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++lineno;
        const std::string_view t = trim(phys);
        // As in Postfix, a '#' line and a blank line are comments; they end
        // the logical line before them.
        if (t.empty() || t.front() == '#') {
            open = false;
            continue;
        }
        if (is_space(phys.front())) {
            if (!open)
                return Error(where(filename, lineno) + "continuation line without a preceding line");
            if (out.back().text.size() + t.size() + 1 > kMaxKeyBytes + kMaxValueBytes + 1)
                return Error(where(filename, out.back().line) + "line too long");
            out.back().text += ' ';
            out.back().text += t;
            continue;
        }
        if (t.size() > kMaxKeyBytes + kMaxValueBytes + 1)
            return Error(where(filename, lineno) + "line too long");
        out.push_back({std::string(t), lineno});
        open = true;
    }
    return out;
}

Result<TableText> parse_table_text(std::string_view text, const std::string& filename,
                                   Duplicates dups) {
    auto lines = logical_lines(text, filename);
    if (!lines) return lines.error();
    TableText out;
    std::unordered_map<std::string, std::size_t> seen;  // key -> index in entries
    for (const LogicalLine& l : *lines) {
        std::string_view s = l.text;
        std::size_t k = 0;
        while (k < s.size() && !is_space(s[k])) ++k;
        const std::string_view key = s.substr(0, k);
        const std::string_view value = trim(s.substr(k));
        if (value.empty())
            return Error(where(filename, l.line) + "expected format: key whitespace value");
        if (key.size() > kMaxKeyBytes) return Error(where(filename, l.line) + "key too long");
        if (value.size() > kMaxValueBytes) return Error(where(filename, l.line) + "value too long");
        std::string lower = to_lower(key);
        if (auto it = seen.find(lower); it != seen.end()) {
            switch (dups) {
            case Duplicates::Warn:
                out.warnings.push_back(where(filename, l.line) + "duplicate entry: \"" + printable(lower) + "\"");
                break;
            case Duplicates::Ignore: break;
            case Duplicates::Replace: out.entries[it->second].value = std::string(value); break;
            }
            continue;
        }
        seen.emplace(lower, out.entries.size());
        out.entries.push_back({std::move(lower), std::string(value), l.line});
    }
    return out;
}

Result<TableText> read_table_file(const std::string& path, Duplicates dups) {
    auto text = read_file(path, kMaxTableFileBytes);
    if (!text) return text.error();
    return parse_table_text(*text, path, dups);
}

}  // namespace tern::maps
