#include "imapd/bodystructure.h"

#include "imapd/envelope.h"
#include "libmail/core/text.h"

namespace tern::imapd {

namespace {

// body-fld-param: ("NAME" "value" ...) or NIL.
std::string parameters(const mime::Parameters& params) {
    if (params.empty()) return "NIL";
    std::string out = "(";
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (i) out += ' ';
        out += imap_string(to_upper(params[i].name)) + " " + imap_string(params[i].value);
    }
    return out + ")";
}

// body-fld-dsp: ("ATTACHMENT" (params)) or NIL.
std::string disposition(const mime::Entity& e) {
    if (!e.disposition) return "NIL";
    return "(" + imap_string(to_upper(e.disposition->type)) + " " + parameters(e.disposition->parameters) + ")";
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
std::string common_extension(const mime::Entity& e) {
    return " " + disposition(e) + " " + language(e) + " " + imap_nstring(e.location);
}

std::string structure(std::string_view message, const mime::Entity& e, bool extended) {
    const auto& ct = e.content_type;
    if (e.kind == mime::EntityKind::Multipart) {
        std::string out = "(";
        for (const auto& child : e.children) out += structure(message, child, extended);
        out += " " + imap_string(to_upper(ct.subtype));
        if (extended) out += " " + parameters(ct.parameters) + common_extension(e);
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
                      parameters(params) + " " + imap_nstring(e.id) + " " + imap_nstring(e.description) +
                      " " + imap_string(to_upper(e.transfer_encoding)) + " " + std::to_string(e.body.length);
    if (e.kind == mime::EntityKind::Message) {
        const mime::Entity& inner = e.children.front();
        out += " " + envelope(message.substr(inner.header.offset, inner.header.length)) + " " +
               structure(message, inner, extended) + " " + std::to_string(e.body_lines);
    } else if (ct.type == "text") {
        out += " " + std::to_string(e.body_lines);
    }
    if (extended) out += " " + imap_nstring(e.md5) + common_extension(e);
    return out + ")";
}

}  // namespace

std::string body_structure(std::string_view message, const mime::Structure& s, bool extended) {
    return structure(message, s.root, extended);
}

}  // namespace tern::imapd
