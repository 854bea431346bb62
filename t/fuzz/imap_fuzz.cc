// Fuzz target: the IMAP argument parser (network input before and after login).
#include <cstdint>
#include <string_view>

#include "imapd/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)tern::imapd::parse_sequence_set(text);
    (void)tern::imapd::trailing_literal(text);
    tern::imapd::Parser p(text);
    if (!p.tag() || !p.space()) return 0;
    (void)p.atom();
    // Walk the rest with every argument form until one fails.
    for (int i = 0; i < 64 && !p.at_end(); ++i) {
        if (!p.space()) break;
        const std::size_t before = p.pos();
        if (!p.astring() && !p.flag_list(false) && !p.sequence_set() && !p.list_mailbox()) break;
        if (p.pos() == before) break;
    }
    return 0;
}
