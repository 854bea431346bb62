// Fuzz target: what smtpd reads from the network — RFC 5321 paths with their
// ESMTP parameters (MAIL and RCPT), the DATA stream (dot-unstuffing, end of
// data) and the BDAT stream (CRLF to LF across chunk boundaries).
#include <cstdint>
#include <string>
#include <string_view>

#include "libmail/smtp/esmtp_params.h"
#include "libmail/smtp/path.h"
#include "smtpd/data_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (auto role : {tern::smtp::PathRole::Sender, tern::smtp::PathRole::Recipient}) {
        if (auto p = tern::smtp::parse_path(text, role)) {
            (void)tern::smtp::parse_mail_params(p->params);
            (void)tern::smtp::parse_rcpt_params(p->params);
            // Limits hold for whatever was accepted (RFC 5321 4.5.3.1).
            if (p->path.address.size() > tern::smtp::kMaxPathOctets) __builtin_trap();
        }
    }
    if (tern::smtp::is_xtext(text) && tern::smtp::decode_xtext(text).size() > size) __builtin_trap();
    // BDAT: the same bytes cut in two chunks give the same content as one.
    {
        std::string whole, parts;
        tern::smtpd::CrlfToLf a, b;
        a.feed(text, whole);
        a.finish(whole);
        b.feed(text.substr(0, size / 2), parts);
        b.feed(text.substr(size / 2), parts);
        b.finish(parts);
        if (whole != parts || whole.size() > size) __builtin_trap();
    }
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
