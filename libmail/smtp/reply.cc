#include "libmail/smtp/reply.h"

namespace tern::smtp {

namespace {

void append_line(std::string& out, int code, char sep, std::string_view status, std::string_view text) {
    out += std::to_string(code);
    out += sep;
    if (!status.empty()) {
        out += status;
        if (!text.empty()) out += ' ';
    }
    for (char c : text) out += (c == '\r' || c == '\n') ? ' ' : c;  // never split a reply
    out += "\r\n";
}

}  // namespace

std::string Reply::line() const {
    std::string out = format_reply(*this);
    out.resize(out.size() - 2);
    return out;
}

std::string format_reply(const Reply& r) {
    std::string out;
    append_line(out, r.code, ' ', r.status, r.text);
    return out;
}

std::string format_multiline(int code, std::string_view status, const std::vector<std::string>& lines) {
    std::string out;
    if (lines.empty()) {
        append_line(out, code, ' ', status, "");
        return out;
    }
    for (std::size_t i = 0; i < lines.size(); ++i)
        append_line(out, code, i + 1 == lines.size() ? ' ' : '-', status, lines[i]);
    return out;
}

}  // namespace tern::smtp
