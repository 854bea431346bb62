#include "libmail/mime/charset.h"

#include <errno.h>
#include <iconv.h>

#include "libmail/core/text.h"

namespace tern::mime {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Charset names are RFC 2978 tokens; anything else never reaches iconv_open
// (glibc reads "//" suffixes as conversion options).
bool is_charset_name(std::string_view s) {
    if (s.empty() || s.size() > kMaxCharsetNameOctets) return false;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_' || c == '.' || c == ':' || c == '+';
        if (!ok) return false;
    }
    return true;
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    const std::size_t rest = s.size() - i;
    for (std::size_t n = 1; n <= 4 && n <= rest; ++n)
        if (is_valid_utf8(s.substr(i, n))) return n;
    return 0;
}

class Iconv {
public:
    explicit Iconv(const char* from) : cd_(::iconv_open("UTF-8", from)) {}
    ~Iconv() {
        if (ok()) ::iconv_close(cd_);
    }
    Iconv(const Iconv&) = delete;
    Iconv& operator=(const Iconv&) = delete;
    [[nodiscard]] bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
    [[nodiscard]] iconv_t get() const { return cd_; }

private:
    iconv_t cd_;
};

}  // namespace

std::string repair_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const auto u = static_cast<unsigned char>(s[i]);
        if (u < 0x80) {
            out += s[i++];
            continue;
        }
        const std::size_t n = utf8_sequence(s, i);
        if (n == 0) {
            out += kReplacement;
            ++i;
        } else {
            out += s.substr(i, n);
            i += n;
        }
    }
    return out;
}

std::optional<std::string> to_utf8(std::string_view bytes, std::string_view charset) {
    charset = trim(charset);
    charset = charset.substr(0, charset.find('*'));  // RFC 2231 5: charset*language
    if (!is_charset_name(charset)) return std::nullopt;
    const std::string name = to_lower(charset);
    if (name == "utf-8" || name == "utf8" || name == "us-ascii" || name == "ascii")
        return repair_utf8(bytes);  // 8-bit text labelled us-ascii is nearly always UTF-8
    const bool latin1 = name == "iso-8859-1" || name == "iso8859-1" || name == "latin1" || name == "iso_8859-1" ||
                        name == "l1";
    Iconv cd(latin1 ? "WINDOWS-1252" : name.c_str());
    if (!cd.ok()) return std::nullopt;

    std::string out;
    out.reserve(bytes.size() + bytes.size() / 2);
    char buf[4096];
    char* in = const_cast<char*>(bytes.data());  // iconv's prototype; it does not write the input
    std::size_t in_left = bytes.size();
    while (true) {
        char* o = buf;
        std::size_t o_left = sizeof buf;
        const std::size_t r = ::iconv(cd.get(), in_left ? &in : nullptr, in_left ? &in_left : nullptr, &o, &o_left);
        out.append(buf, static_cast<std::size_t>(o - buf));
        if (r != static_cast<std::size_t>(-1)) {
            if (in_left == 0) {
                // Flush a stateful encoding (ISO-2022-JP) back to its initial state.
                o = buf;
                o_left = sizeof buf;
                ::iconv(cd.get(), nullptr, nullptr, &o, &o_left);
                out.append(buf, static_cast<std::size_t>(o - buf));
                break;
            }
            continue;
        }
        if (errno == E2BIG) continue;
        if (errno == EILSEQ && in_left > 0) {  // an invalid byte: replace it and go on
            out += kReplacement;
            ++in;
            --in_left;
            continue;
        }
        // EINVAL: an incomplete sequence at the end of the input.
        if (in_left > 0) out += kReplacement;
        break;
    }
    return out;
}

}  // namespace tern::mime
