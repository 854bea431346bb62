// Fuzz target: the SASL responses smtpd (and imapd, pop3d) decode — base64
// lines fed to PLAIN and LOGIN exchanges.
#include <cstdint>
#include <string_view>

#include "libmail/sasl/sasl.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    using namespace tern::sasl;
    if (auto d = decode_base64(text)) {
        // What decodes re-encodes to the same text (the decoder is canonical).
        if (encode_base64(*d) != text) __builtin_trap();
    }
    for (Mechanism m : {Mechanism::Plain, Mechanism::Login}) {
        Exchange x(m);
        std::string_view rest = text;
        Step s = x.begin(std::nullopt);
        // Each line of the input is one client response.
        while (s.kind == Step::Kind::Challenge && !rest.empty()) {
            const auto nl = rest.find('\n');
            s = x.next(rest.substr(0, nl));
            rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        }
        if (s.kind == Step::Kind::Done && s.credentials.password.size() > kMaxFieldOctets) __builtin_trap();
    }
    return 0;
}
