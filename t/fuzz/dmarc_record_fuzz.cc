// Fuzz target for DMARC input: the first byte picks the parser. 0: the
// _dmarc TXT record (network input); 1: a received aggregate report (XML,
// gzip, zip or email: tern dmarc report); 2: a line of the evaluation log
// (disk input), which must survive format/parse; 3: a Public Suffix List file
// and lookups in it; 4: the Punycode encoder its UTF-8 rules go through.
#include <cstdint>
#include <string>
#include <string_view>

#include "libmail/dmarc/public_suffix.h"
#include "libmail/dmarc/punycode.h"
#include "libmail/dmarc/record.h"
#include "libmail/dmarc/report_log.h"
#include "libmail/dmarc/report_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tern::dmarc;
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 5) {
        case 0: {
            auto r = parse_record(text);
            if (r) {
                if (r->pct < 0 || r->pct > 100 || r->rua.size() > kMaxReportUris) __builtin_trap();
                for (const auto& u : r->rua)
                    if (u.uri.empty() || u.uri.find_first_of(" \t,;") != std::string::npos) __builtin_trap();
                if (!is_dmarc_record(text)) __builtin_trap();
            }
            break;
        }
        case 1: {
            auto r = parse_report_data(text);
            (void)r;
            break;
        }
        case 2: {
            auto e = parse_entry(text);
            if (e) {
                std::string line = format_entry(*e);
                line.pop_back();
                auto again = parse_entry(line);
                // Fields over 255 octets are cut by format_entry; anything else must match.
                if (!again) __builtin_trap();
                if (line.size() < 200 && !(*again == *e)) __builtin_trap();
            }
            break;
        }
        case 3: {
            auto psl = PublicSuffixList::parse(text, "fuzz.dat");
            if (psl) {
                for (std::string_view d : {"a.b.example.com", "www.ck", "x.y.z", "com", ".x", "example.co.uk"}) {
                    const std::string org = psl->organizational_domain(d);
                    const std::string suffix = psl->public_suffix(d);
                    if (!org.empty() && org.size() < suffix.size()) __builtin_trap();
                }
            }
            break;
        }
        case 4: {
            if (auto a = to_alabel(text)) {
                if (a->size() > 63 && *a != text) __builtin_trap();
                bool ascii = true;
                for (char c : *a) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
                if (!ascii || (*a != text && !a->starts_with("xn--"))) __builtin_trap();
            }
            break;
        }
    }
    return 0;
}
