// Fuzz target: main.cf and master.cf parsers (disk input).
#include <cstdint>
#include <string_view>

#include "libmail/config/config.h"
#include "libmail/config/master_cf.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto main_cf = tern::config::Config::from_text(text, "main.cf", "/nonexistent");
    if (main_cf) {
        for (const auto& e : main_cf->entries()) (void)main_cf->get_by_name(e.name);
    }
    (void)tern::config::parse_master_cf(text, "master.cf");
    return 0;
}
