// Fuzz target: the dns_zone_file parser (disk input) and the RDATA decoders
// (network input). A parsed zone must survive a round trip: the text each
// record gives libunbound parses back to the same record.
#include <cstdint>
#include <string>
#include <string_view>

#include "libmail/dns/rdata.h"
#include "libmail/dns/zone_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tern::dns;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto records = parse_zone_text(text, "fuzz.zone")) {
        std::string again;
        bool fits = true;
        for (const ZoneRecord& r : *records) {
            const std::string line = r.to_text();
            fits = fits && line.size() < kMaxZoneLineOctets;
            again += line;
            again += '\n';
        }
        auto reparsed = parse_zone_text(again, "again.zone");
        if (!reparsed) {
            if (fits) __builtin_trap();
        } else {
            if (reparsed->size() != records->size()) __builtin_trap();
            for (std::size_t i = 0; i < records->size(); ++i)
                if ((*reparsed)[i].to_text() != (*records)[i].to_text()) __builtin_trap();
        }
    }
    const Bytes bytes(data, size);
    std::size_t pos = 0;
    if (auto name = decode_name(bytes, pos)) {
        if (pos > size || name->size() > 4 * 255) __builtin_trap();
    }
    (void)decode_mx(bytes);
    (void)decode_txt(bytes);
    (void)decode_target(bytes);
    return 0;
}
