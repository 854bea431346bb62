#include "pop3d/uidl.h"

#include <openssl/evp.h>

#include "libmail/core/log.h"

namespace tern::pop3d {

namespace {
constexpr std::size_t kDigestHexDigits = 40;

bool valid_uidl(std::string_view s) {
    if (s.empty() || s.size() > kMaxUidlOctets || s.front() == '~') return false;
    for (unsigned char c : s)
        if (c < 0x21 || c > 0x7E) return false;
    return true;
}
}  // namespace

std::string_view maildir_base(std::string_view filename) {
    const auto slash = filename.rfind('/');
    if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
    // The store's rule (libmail/store): the info part starts at the last ":2,".
    const auto info = filename.rfind(":2,");
    return info == std::string_view::npos ? filename : filename.substr(0, info);
}

std::string without_uid_field(std::string_view base) {
    std::string out(base);
    const auto at = out.find(",U=");
    if (at == std::string::npos) return out;
    std::size_t end = at + 3;
    while (end < out.size() && out[end] >= '0' && out[end] <= '9') ++end;
    // Only a whole field: digits up to the next ',' or the end of the name.
    if (end == at + 3 || (end < out.size() && out[end] != ',')) return out;
    out.erase(at, end - at);
    return out;
}

std::string uidl_for(std::string_view filename) {
    const std::string base = without_uid_field(maildir_base(filename));
    if (valid_uidl(base)) return base;
    return digest_uidl(base);
}

std::string digest_uidl(std::string_view text) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    std::string out = "~";
    // SHA-256 in libcrypto fails only when memory is gone; no UIDL is
    // better than a wrong one (a client would fetch a message twice).
    if (EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr) != 1) {
        log::panic("SHA-256 of a Maildir name failed");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < len && out.size() < 1 + kDigestHexDigits; ++i) {
        out += kHex[md[i] >> 4];
        out += kHex[md[i] & 0xF];
    }
    return out;
}

}  // namespace tern::pop3d
