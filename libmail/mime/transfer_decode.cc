#include "libmail/mime/transfer_decode.h"

#include "libmail/core/base64.h"
#include "libmail/core/text.h"
#include "libmail/mime/content_fields.h"

namespace tern::mime {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;  // lower case is not RFC 2045 but is written
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

}  // namespace

TransferEncoding parse_transfer_encoding(std::string_view value) {
    const std::string t = parse_token_value(value);
    if (t.empty() || t == "7bit") return TransferEncoding::SevenBit;
    if (t == "8bit") return TransferEncoding::EightBit;
    if (t == "binary") return TransferEncoding::Binary;
    if (t == "quoted-printable") return TransferEncoding::QuotedPrintable;
    if (t == "base64") return TransferEncoding::Base64;
    return TransferEncoding::Unknown;
}

std::string decode_base64(std::string_view in) {
    std::string out;
    out.reserve(in.size() / 4 * 3 + 3);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=') {  // padding ends a quantum; some senders concatenate encoded blocks
            acc = 0;
            bits = 0;
            continue;
        }
        const int v = base64_value(c);
        if (v < 0) continue;  // line ends and junk (RFC 2045 6.8: ignored)
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
            acc &= (1u << bits) - 1;
        }
    }
    return out;
}

std::string decode_quoted_printable(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    std::size_t pos = 0;
    while (pos < in.size()) {
        const auto lf = in.find('\n', pos);
        const bool has_eol = lf != std::string_view::npos;
        const std::size_t next = has_eol ? lf + 1 : in.size();
        std::size_t end = has_eol ? lf : in.size();
        const bool crlf = has_eol && end > pos && in[end - 1] == '\r';
        if (crlf) --end;
        // RFC 2045 6.7 (3): trailing white space was added in transport; drop it.
        while (end > pos && is_wsp(in[end - 1])) --end;
        const std::string_view line = in.substr(pos, end - pos);
        bool soft_break = false;
        for (std::size_t i = 0; i < line.size(); ++i) {
            const char c = line[i];
            if (c != '=') {
                out += c;
                continue;
            }
            if (i + 1 == line.size()) {  // "=" ending a line: a soft line break
                soft_break = true;
                break;
            }
            if (i + 2 < line.size()) {
                const int hi = hex_value(line[i + 1]);
                const int lo = hex_value(line[i + 2]);
                if (hi >= 0 && lo >= 0) {
                    out += static_cast<char>(hi * 16 + lo);
                    i += 2;
                    continue;
                }
            }
            out += c;  // a malformed escape stays as written
        }
        if (has_eol && !soft_break) out += crlf ? "\r\n" : "\n";  // the line end as written
        pos = next;
    }
    return out;
}

Result<std::string> decode_transfer_encoding(std::string_view body, std::string_view encoding) {
    switch (parse_transfer_encoding(encoding)) {
    case TransferEncoding::SevenBit:
    case TransferEncoding::EightBit:
    case TransferEncoding::Binary: return std::string(body);
    case TransferEncoding::QuotedPrintable: return decode_quoted_printable(body);
    case TransferEncoding::Base64: return decode_base64(body);
    case TransferEncoding::Unknown: break;
    }
    return Error("unknown Content-Transfer-Encoding " + printable(encoding, 40));
}

}  // namespace tern::mime
