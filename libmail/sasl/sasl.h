// The server side of the SASL mechanisms Tern offers, PLAIN (RFC 4616) and
// LOGIN (draft-murchison-sasl-login), independent of the protocol that
// carries them: smtpd's AUTH (RFC 4954) and later imapd's AUTHENTICATE and
// pop3d's AUTH. Client responses are base64 lines, decoded strictly (RFC 4648
// alphabet and padding, no white space); a response is at most
// kMaxResponseOctets (RFC 4954 4), larger ones never reach the decoder.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tern::sasl {

inline constexpr std::size_t kMaxResponseOctets = 12288;  // RFC 4954 4: base64 line, CRLF excluded
inline constexpr std::size_t kMaxFieldOctets = 1024;      // authzid, authcid or password

enum class Mechanism { Plain, Login };

// "PLAIN" / "LOGIN", case-insensitive; nullopt for anything else.
std::optional<Mechanism> parse_mechanism(std::string_view name);
std::string_view mechanism_name(Mechanism m);

// Strict base64: nullopt on a character outside the alphabet, bad padding or length.
std::optional<std::string> decode_base64(std::string_view text);
std::string encode_base64(std::string_view bytes);

struct Credentials {
    std::string authzid;   // empty unless the client asked to act for another identity
    std::string authcid;   // the login name
    std::string password;
};

struct Step {
    enum class Kind {
        Challenge,    // send "challenge" (base64) and read the next response
        Done,         // credentials complete
        Cancelled,    // the client sent "*" (RFC 4954 4)
        BadEncoding,  // not base64
        BadMessage,   // decoded, but not what the mechanism allows (which: reason)
    };
    Kind kind = Kind::BadMessage;
    std::string challenge;
    Credentials credentials;
    std::string reason;
};

// One authentication exchange.
class Exchange {
public:
    explicit Exchange(Mechanism m) : mech_(m) {}
    Mechanism mechanism() const { return mech_; }
    // The first step. initial: the initial response of "AUTH MECH INITIAL"
    // (RFC 4954 4, "=" for an empty one), or nullopt when none was given.
    Step begin(std::optional<std::string_view> initial);
    // The next client response line.
    Step next(std::string_view line);

private:
    Step take(std::string_view line);
    Step plain(std::string_view decoded);

    Mechanism mech_;
    int stage_ = 0;        // LOGIN: 0 = wants the user name, 1 = wants the password
    std::string login_user_;
};

}  // namespace tern::sasl
