// Fuzz target: what smtpd reads from the network — RFC 5321 paths with their
// ESMTP parameters, and the DATA stream (dot-unstuffing, end of data).
#include <cstdint>
#include <string>
#include <string_view>

#include "libmail/smtp/esmtp_params.h"
#include "libmail/smtp/path.h"
#include "smtpd/data_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)tern::smtp::parse_path(text, tern::smtp::PathRole::Sender);
    (void)tern::smtp::parse_path(text, tern::smtp::PathRole::Recipient);
    tern::smtpd::DataReader reader;
    std::string out;
    std::string_view rest = text;
    while (!rest.empty() && !reader.done()) {
        const std::size_t used = reader.feed(rest, out);
        if (used == 0) break;
        rest.remove_prefix(used);
    }
    // Unstuffing never grows the message.
    if (out.size() > size) __builtin_trap();
    return 0;
}
