// Fuzz target: what a remote SMTP server sends the client smtp(8) — reply
// lines (multi-line, codes, enhanced status codes) and the EHLO capability
// list — and the smtp_tls_policy_maps values an admin writes. Each input line
// is one reply line (the line reader bounds their length before this).
#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/reply_reader.h"
#include "smtp/tls_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    using namespace tern::smtp_client;
    ReplyReader reader;
    std::string_view rest = text;
    while (!rest.empty()) {
        const auto nl = rest.find('\n');
        const std::string line(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        const auto st = reader.add(line);
        if (st == ReplyReader::Status::Error) {
            reader = ReplyReader();
            continue;
        }
        if (st != ReplyReader::Status::Done) continue;
        const ServerReply r = reader.take();
        if (r.code < 200 || r.code > 599) __builtin_trap();
        const std::string dsn = r.dsn();
        if (dsn.empty() || (dsn[0] != '2' && dsn[0] != '4' && dsn[0] != '5')) __builtin_trap();  // RFC 3463 classes
        if (r.positive() != (r.code / 100 == 2)) __builtin_trap();
        (void)r.text();
        (void)parse_ehlo(r);
    }
    if (auto p = parse_tls_policy(text)) {
        // A parsed policy names only levels and match names that round-trip.
        auto level = parse_tls_level(level_name(p->level));
        if (!level || *level != p->level) __builtin_trap();
    }
    return 0;
}
