#include "libmail/dkim/key_text.h"

namespace tern::dkim {

Result<std::string> key_record_text(EVP_PKEY* key) {
    const auto type = key_type(key);
    if (!type) return Error("not an RSA or Ed25519 key");
    auto p = public_key_base64(key);
    if (!p) return p.error();
    return std::string(*type == KeyType::Ed25519 ? "v=DKIM1; k=ed25519; p=" : "v=DKIM1; k=rsa; p=") + *p;
}

std::string zone_txt_line(std::string_view selector, std::string_view domain, std::string_view record) {
    std::string out(selector);
    out += "._domainkey.";
    out += domain;
    out += ". IN TXT (";
    // Break after "k=...; " so the key itself starts a string, as opendkim-genkey does.
    std::size_t pos = 0;
    const auto p = record.find("p=");
    if (p != std::string_view::npos && p <= kMaxTxtStringOctets) {
        out += " \"" + std::string(record.substr(0, p)) + "\"";
        pos = p;
    }
    while (pos < record.size()) {
        // The record is base64 and "; " text: no octet needs escaping.
        const std::string_view piece = record.substr(pos, kMaxTxtStringOctets);
        out += "\n\t\"" + std::string(piece) + "\"";
        pos += piece.size();
    }
    out += " )\n";
    return out;
}

}  // namespace tern::dkim
