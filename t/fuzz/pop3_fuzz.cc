// Fuzz target: POP3 command lines (network input).
#include <cstdint>
#include <string_view>

#include "pop3d/commands.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto line = tern::pop3d::split_command(text);
    (void)tern::pop3d::find_command(line.keyword);
    (void)tern::pop3d::parse_number_arg(text);
    return 0;
}
