#include "imapd/bodystructure.h"

#include "imapd/envelope.h"
#include "libmail/core/text.h"

namespace tern::imapd {

namespace {

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        const std::size_t len = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : (b & 0xf8) == 0xf0 ? 4 : 0;
        if (len == 0 || i + len > s.size()) return false;
        for (std::size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
        i += len;
    }
    return true;
}

// An RFC 2231 value written again ("utf-8'en'%C3%A9t%C3%A9"), for clients
// that expect parameters as the message has them (IMAP4rev1).
std::string rfc2231_value(const mime::Parameter& p) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out = (valid_utf8(p.value) ? std::string("utf-8") : p.charset) + "'" + p.language + "'";
    for (unsigned char c : p.value) {
        // RFC 2231 7: attribute-char, everything else percent-encoded.
        if (c > 0x20 && c < 0x7f && std::string_view("*'%()<>@,;:\\\"/[]?=").find(static_cast<char>(c)) ==
                                         std::string_view::npos) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

// body-fld-param: ("NAME" "value" ...) or NIL. RFC 2231 values go decoded
// (IMAP4rev2, RFC 9051 7.5.2) or encoded again as "NAME*" (IMAP4rev1).
std::string parameters(const mime::Parameters& params, bool decode_2231) {
    if (params.empty()) return "NIL";
    std::string out = "(";
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (i) out += ' ';
        const auto& p = params[i];
        if (p.extended && !decode_2231)
            out += imap_string(to_upper(p.name) + "*") + " " + imap_string(rfc2231_value(p));
        else
            out += imap_string(to_upper(p.name)) + " " + imap_string(p.value);
    }
    return out + ")";
}

// body-fld-dsp: ("ATTACHMENT" (params)) or NIL.
std::string disposition(const mime::Entity& e, bool decode_2231) {
    if (!e.disposition) return "NIL";
    return "(" + imap_string(to_upper(e.disposition->type)) + " " + parameters(e.disposition->parameters, decode_2231) + ")";
}

// body-fld-lang: NIL, one string, or a list.
std::string language(const mime::Entity& e) {
    if (e.language.empty()) return "NIL";
    if (e.language.size() == 1) return imap_string(e.language.front());
    std::string out = "(";
    for (std::size_t i = 0; i < e.language.size(); ++i) out += (i ? " " : "") + imap_string(e.language[i]);
    return out + ")";
}

// The extension data both kinds of body end with: dsp, lang, loc.
std::string common_extension(const mime::Entity& e, bool decode_2231) {
    return " " + disposition(e, decode_2231) + " " + language(e) + " " + imap_nstring(e.location);
}

std::string structure(std::string_view message, const mime::Entity& e, bool extended, bool decode_2231) {
    const auto& ct = e.content_type;
    if (e.kind == mime::EntityKind::Multipart) {
        std::string out = "(";
        for (const auto& child : e.children) out += structure(message, child, extended, decode_2231);
        out += " " + imap_string(to_upper(ct.subtype));
        if (extended) out += " " + parameters(ct.parameters, decode_2231) + common_extension(e, decode_2231);
        return out + ")";
    }
    mime::Parameters params = ct.parameters;
    if (ct.type == "text" && !mime::find_parameter(params, "charset")) {
        mime::Parameter charset;  // RFC 2045 5.2's default, stated as Dovecot does
        charset.name = "charset";
        charset.value = "us-ascii";
        params.push_back(std::move(charset));
    }
    std::string out = "(" + imap_string(to_upper(ct.type)) + " " + imap_string(to_upper(ct.subtype)) + " " +
                      parameters(params, decode_2231) + " " + imap_nstring(e.id) + " " + imap_nstring(e.description) +
                      " " + imap_string(to_upper(e.transfer_encoding)) + " " + std::to_string(e.body.length);
    if (e.kind == mime::EntityKind::Message) {
        const mime::Entity& inner = e.children.front();
        out += " " + envelope(message.substr(inner.header.offset, inner.header.length)) + " " +
               structure(message, inner, extended, decode_2231) + " " + std::to_string(e.body_lines);
    } else if (ct.type == "text") {
        out += " " + std::to_string(e.body_lines);
    }
    if (extended) out += " " + imap_nstring(e.md5) + common_extension(e, decode_2231);
    return out + ")";
}

}  // namespace

std::string body_structure(std::string_view message, const mime::Structure& s, bool extended, bool decode_2231) {
    return structure(message, s.root, extended, decode_2231);
}

}  // namespace tern::imapd
