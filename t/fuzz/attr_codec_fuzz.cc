// Fuzz target: the IPC attribute decoder (input from other processes).
#include <cstdint>
#include <string_view>

#include "libmail/ipc/attr_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view buf(reinterpret_cast<const char*>(data), size);
    while (!buf.empty()) {
        tern::ipc::AttrList out;
        std::size_t used = 0;
        if (tern::ipc::decode(buf, 64 * 1024, out, used) != tern::ipc::DecodeStatus::Ok || used == 0) break;
        // A decoded message encodes back to the same bytes.
        if (tern::ipc::encode(out) != buf.substr(0, used)) __builtin_trap();
        buf.remove_prefix(used);
    }
    return 0;
}
