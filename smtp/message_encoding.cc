#include "smtp/message_encoding.h"

#include <vector>

#include "libmail/core/text.h"

namespace tern::smtp_client {

namespace {

inline constexpr std::size_t kQpLineMax = 76;  // RFC 2045 6.7 rule 5

struct HeaderField {
    std::string name;   // as written
    std::string raw;    // the whole field with its continuation lines, LF ends
};

// Splits the header into fields; body is what follows the empty line.
std::vector<HeaderField> split_header(std::string_view msg, std::string_view& body) {
    std::vector<HeaderField> fields;
    std::size_t pos = 0;
    body = {};
    while (pos < msg.size()) {
        std::size_t eol = msg.find('\n', pos);
        const std::size_t next = eol == std::string_view::npos ? msg.size() : eol + 1;
        std::string_view line = msg.substr(pos, next - pos);
        std::string_view bare = line;
        while (!bare.empty() && (bare.back() == '\n' || bare.back() == '\r')) bare.remove_suffix(1);
        if (bare.empty()) {
            body = msg.substr(next);
            return fields;
        }
        if ((line[0] == ' ' || line[0] == '\t') && !fields.empty()) {
            fields.back().raw += line;
        } else {
            const auto colon = bare.find(':');
            fields.push_back({std::string(trim(bare.substr(0, colon == std::string_view::npos ? 0 : colon))),
                              std::string(line)});
        }
        pos = next;
    }
    return fields;
}

std::string field_value(const HeaderField& f) {
    const auto colon = f.raw.find(':');
    std::string v = colon == std::string::npos ? std::string() : f.raw.substr(colon + 1);
    for (char& c : v)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    return std::string(trim(v));
}

}  // namespace

bool has_8bit(std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80 || c == 0) return true;
    return false;
}

void DataEncoder::add(std::string_view piece, std::string& out) {
    out.reserve(out.size() + piece.size() + piece.size() / 40 + 8);
    for (const char c : piece) {
        if (at_line_start_ && c == '.') out += '.';  // RFC 5321 4.5.2
        if (c == '\n') {
            if (!after_cr_) out += '\r';  // an existing CRLF is not doubled
            out += '\n';
            at_line_start_ = true;
            after_cr_ = false;
            continue;
        }
        out += c;
        at_line_start_ = false;
        after_cr_ = c == '\r';
    }
}

void DataEncoder::finish(std::string& out) {
    if (!at_line_start_) out += "\r\n";
    out += ".\r\n";
    at_line_start_ = true;
    after_cr_ = false;
}

std::string encode_data(std::string_view message) {
    std::string out;
    DataEncoder e;
    e.add(message, out);
    e.finish(out);
    return out;
}

std::string quoted_printable(std::string_view body) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    std::size_t pos = 0;
    while (pos <= body.size()) {
        std::size_t eol = body.find('\n', pos);
        const bool has_eol = eol != std::string_view::npos;
        std::string_view line = body.substr(pos, (has_eol ? eol : body.size()) - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        std::size_t col = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            const auto c = static_cast<unsigned char>(line[i]);
            const bool last = i + 1 == line.size();
            const bool escape = c == '=' || c >= 0x7f || (c < 0x20 && c != '\t') || ((c == ' ' || c == '\t') && last);
            const std::size_t width = escape ? 3 : 1;
            // Leave room for the soft break "=" unless this is the line's last character.
            if (col + width > (last ? kQpLineMax : kQpLineMax - 1)) {
                out += "=\n";
                col = 0;
            }
            if (escape) {
                out += '=';
                out += kHex[c >> 4];
                out += kHex[c & 15];
            } else {
                out += static_cast<char>(c);
            }
            col += width;
        }
        if (!has_eol) break;
        out += '\n';
        pos = eol + 1;
    }
    return out;
}

Result<std::string> downgrade_8bit(std::string_view message) {
    std::string_view body;
    auto fields = split_header(message, body);
    std::string_view header = message.substr(0, message.size() - body.size());
    if (has_8bit(header)) return Error("8-bit characters in the message header cannot be converted to 7-bit");
    const HeaderField* ctype = nullptr;
    const HeaderField* cte = nullptr;
    bool mime_version = false;
    for (const auto& f : fields) {
        if (iequals(f.name, "Content-Type")) ctype = &f;
        else if (iequals(f.name, "Content-Transfer-Encoding")) cte = &f;
        else if (iequals(f.name, "MIME-Version")) mime_version = true;
    }
    if (ctype) {
        const std::string v = to_lower(field_value(*ctype));
        if (!v.starts_with("text/"))
            return Error("cannot convert an 8-bit message of type " +
                         printable(v.substr(0, v.find(';')), 60) + " to 7-bit");
    }
    if (cte) {
        const std::string v = to_lower(field_value(*cte));
        if (v != "7bit" && v != "8bit" && v != "binary")
            return Error("8-bit characters in a body declared " + printable(v, 40) + " cannot be converted");
    }
    std::string out;
    for (const auto& f : fields)
        if (!iequals(f.name, "Content-Transfer-Encoding")) out += f.raw;
    if (!out.empty() && out.back() != '\n') out += '\n';
    if (!mime_version) out += "MIME-Version: 1.0\n";
    if (!ctype)
        out += is_valid_utf8(body) ? "Content-Type: text/plain; charset=utf-8\n"
                                   : "Content-Type: text/plain; charset=unknown-8bit\n";
    out += "Content-Transfer-Encoding: quoted-printable\n\n";
    out += quoted_printable(body);
    return out;
}

}  // namespace tern::smtp_client
