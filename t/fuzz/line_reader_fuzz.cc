// Fuzz target: take_line, the protocol line reader under every daemon.
#include <event2/buffer.h>

#include <cstdint>
#include <string>

#include "libmail/event/line_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    evbuffer* in = evbuffer_new();
    evbuffer_add(in, data, size);
    std::string line;
    for (;;) {
        const auto st = tern::take_line(in, 64, line);
        if (st == tern::LineStatus::NeedMore) break;
        if (st == tern::LineStatus::TooLong && !tern::skip_line(in)) break;
        if (st == tern::LineStatus::Ok && line.size() > 63) __builtin_trap();
    }
    evbuffer_free(in);
    return 0;
}
