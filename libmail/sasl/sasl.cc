#include "libmail/sasl/sasl.h"

#include <array>

#include "libmail/core/base64.h"
#include "libmail/core/text.h"

namespace tern::sasl {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The LOGIN mechanism's fixed prompts, base64 of "Username:" and "Password:".
constexpr std::string_view kUsernamePrompt = "VXNlcm5hbWU6";
constexpr std::string_view kPasswordPrompt = "UGFzc3dvcmQ6";

Step failure(Step::Kind kind, std::string reason = {}) {
    Step s;
    s.kind = kind;
    s.reason = std::move(reason);
    return s;
}

Step challenge(std::string_view text) {
    Step s;
    s.kind = Step::Kind::Challenge;
    s.challenge = std::string(text);
    return s;
}

}  // namespace

std::optional<Mechanism> parse_mechanism(std::string_view name) {
    if (iequals(name, "PLAIN")) return Mechanism::Plain;
    if (iequals(name, "LOGIN")) return Mechanism::Login;
    return std::nullopt;
}

std::string_view mechanism_name(Mechanism m) { return m == Mechanism::Plain ? "PLAIN" : "LOGIN"; }

std::optional<std::string> decode_base64(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        std::array<int, 4> v{};
        int pad = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            const char c = text[i + j];
            if (c == '=' && last && j >= 2) {
                ++pad;
                v[j] = 0;
                continue;
            }
            if (pad > 0) return std::nullopt;  // data after '='
            v[j] = base64_value(c);
            if (v[j] < 0) return std::nullopt;
        }
        const unsigned n = (static_cast<unsigned>(v[0]) << 18) | (static_cast<unsigned>(v[1]) << 12) |
                           (static_cast<unsigned>(v[2]) << 6) | static_cast<unsigned>(v[3]);
        out.push_back(static_cast<char>((n >> 16) & 0xff));
        if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
        if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
        // Canonical encoding only: the bits a padded group drops must be zero.
        if ((pad == 1 && (n & 0xff) != 0) || (pad == 2 && (n & 0xffff) != 0)) return std::nullopt;
    }
    return out;
}

std::string encode_base64(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        if (n > 1) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        if (n > 2) v |= static_cast<unsigned char>(bytes[i + 2]);
        out.push_back(kAlphabet[(v >> 18) & 63]);
        out.push_back(kAlphabet[(v >> 12) & 63]);
        out.push_back(n > 1 ? kAlphabet[(v >> 6) & 63] : '=');
        out.push_back(n > 2 ? kAlphabet[v & 63] : '=');
    }
    return out;
}

Step Exchange::begin(std::optional<std::string_view> initial) {
    if (!initial) return challenge(mech_ == Mechanism::Plain ? std::string_view{} : kUsernamePrompt);
    // RFC 4954 4: "=" is an initial response of zero length.
    return take(*initial == "=" ? std::string_view{} : *initial);
}

Step Exchange::next(std::string_view line) {
    if (line == "*") return failure(Step::Kind::Cancelled);
    return take(line);
}

Step Exchange::take(std::string_view line) {
    if (line.size() > kMaxResponseOctets) return failure(Step::Kind::BadMessage, "response too long");
    auto decoded = decode_base64(line);
    if (!decoded) return failure(Step::Kind::BadEncoding);
    if (mech_ == Mechanism::Plain) return plain(*decoded);
    const char* field = stage_ == 0 ? "user name" : "password";
    if (decoded->size() > kMaxFieldOctets) return failure(Step::Kind::BadMessage, std::string(field) + " too long");
    if (decoded->find('\0') != std::string::npos)
        return failure(Step::Kind::BadMessage, std::string("NUL in the ") + field);
    if (stage_ == 0) {
        login_user_ = std::move(*decoded);
        stage_ = 1;
        return challenge(kPasswordPrompt);
    }
    Step s;
    s.kind = Step::Kind::Done;
    s.credentials.authcid = std::move(login_user_);
    s.credentials.password = std::move(*decoded);
    return s;
}

// RFC 4616 2: message = [authzid] NUL authcid NUL passwd, authcid and passwd not empty.
Step Exchange::plain(std::string_view decoded) {
    const auto first = decoded.find('\0');
    if (first == std::string_view::npos) return failure(Step::Kind::BadMessage, "no NUL separator");
    const auto second = decoded.find('\0', first + 1);
    if (second == std::string_view::npos) return failure(Step::Kind::BadMessage, "one NUL separator, two needed");
    if (decoded.find('\0', second + 1) != std::string_view::npos)
        return failure(Step::Kind::BadMessage, "NUL in the password");
    Step s;
    s.kind = Step::Kind::Done;
    s.credentials.authzid = std::string(decoded.substr(0, first));
    s.credentials.authcid = std::string(decoded.substr(first + 1, second - first - 1));
    s.credentials.password = std::string(decoded.substr(second + 1));
    const auto& c = s.credentials;
    if (c.authcid.empty() || c.password.empty()) return failure(Step::Kind::BadMessage, "empty user name or password");
    if (c.authzid.size() > kMaxFieldOctets) return failure(Step::Kind::BadMessage, "authorization identity too long");
    if (c.authcid.size() > kMaxFieldOctets) return failure(Step::Kind::BadMessage, "user name too long");
    if (c.password.size() > kMaxFieldOctets) return failure(Step::Kind::BadMessage, "password too long");
    return s;
}

}  // namespace tern::sasl
