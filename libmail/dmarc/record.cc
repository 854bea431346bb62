#include "libmail/dmarc/record.h"

#include <cctype>
#include <cstdint>

#include "libmail/core/text.h"

namespace tern::dmarc {

namespace {

constexpr std::string_view kWsp = " \t";

std::string_view trim_wsp(std::string_view s) {
    const auto b = s.find_first_not_of(kWsp);
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(kWsp) - b + 1);
}

std::optional<Alignment> parse_alignment(std::string_view s) {
    if (iequals(s, "r")) return Alignment::Relaxed;
    if (iequals(s, "s")) return Alignment::Strict;
    return std::nullopt;
}

// RFC 7489 6.4: dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ].
// A URI needs a scheme ("x:"); an unusable size makes the whole URI invalid.
std::optional<ReportUri> parse_uri(std::string_view s) {
    s = trim_wsp(s);
    ReportUri out;
    const auto bang = s.rfind('!');
    std::string_view uri = s;
    if (bang != std::string_view::npos) {
        uri = s.substr(0, bang);
        std::string_view size = s.substr(bang + 1);
        std::uint64_t mult = 1;
        if (!size.empty()) {
            switch (size.back() | 0x20) {
                case 'k': mult = 1ull << 10; break;
                case 'm': mult = 1ull << 20; break;
                case 'g': mult = 1ull << 30; break;
                case 't': mult = 1ull << 40; break;
                default: break;
            }
            if (mult != 1) size.remove_suffix(1);
        }
        auto n = parse_number<std::uint64_t>(size);
        if (!n || *n > UINT64_MAX / mult) return std::nullopt;
        out.max_size = *n * mult;
        if (out.max_size == 0) return std::nullopt;
    }
    const auto colon = uri.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == uri.size()) return std::nullopt;
    for (char c : uri.substr(0, colon))
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) return std::nullopt;
    for (char c : uri)
        if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) return std::nullopt;
    out.uri = std::string(uri);
    return out;
}

std::vector<ReportUri> parse_uri_list(std::string_view s) {
    std::vector<ReportUri> out;
    for (std::string_view part : split_any(s, ",")) {
        if (out.size() == kMaxReportUris) break;
        if (auto u = parse_uri(part)) out.push_back(std::move(*u));
    }
    return out;
}

// fo: colon list of 0, 1, d, s; rf: colon list of tokens (only afrf is defined).
bool valid_colon_list(std::string_view s, bool fo) {
    if (s.empty()) return false;
    for (std::string_view item : split_any(s, ":")) {
        item = trim_wsp(item);
        if (fo) {
            if (!(item == "0" || item == "1" || iequals(item, "d") || iequals(item, "s"))) return false;
        } else if (item.empty()) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string_view to_string(Policy p) {
    switch (p) {
        case Policy::None: return "none";
        case Policy::Quarantine: return "quarantine";
        case Policy::Reject: return "reject";
    }
    return "none";
}

std::optional<Policy> parse_policy(std::string_view s) {
    if (iequals(s, "none")) return Policy::None;
    if (iequals(s, "quarantine")) return Policy::Quarantine;
    if (iequals(s, "reject")) return Policy::Reject;
    return std::nullopt;
}

bool is_dmarc_record(std::string_view txt) {
    const auto semi = txt.find(';');
    auto [name, value] = split_once(txt.substr(0, semi), '=');
    return iequals(trim_wsp(name), "v") && trim_wsp(value) == "DMARC1";
}

Result<Record> parse_record(std::string_view txt) {
    if (txt.size() > kMaxRecordOctets) return Error("DMARC record longer than 4096 octets");
    if (!is_dmarc_record(txt)) return Error("not a DMARC record: v=DMARC1 is not the first tag");
    Record r;
    bool p_valid = false, sp_invalid = false;
    bool first = true;
    for (std::string_view tag : split_any(txt, ";")) {
        if (first) {  // the v tag, checked above
            first = false;
            continue;
        }
        auto [raw_name, raw_value] = split_once(tag, '=');
        const std::string_view name = trim_wsp(raw_name), value = trim_wsp(raw_value);
        if (name.empty()) continue;
        if (iequals(name, "p")) {
            if (auto p = parse_policy(value)) {
                r.p = *p;
                p_valid = true;
            }
        } else if (iequals(name, "sp")) {
            r.sp = parse_policy(value);
            sp_invalid = !r.sp;
        } else if (iequals(name, "np")) {
            r.np = parse_policy(value);  // RFC 9091: invalid is ignored
        } else if (iequals(name, "adkim")) {
            r.adkim = parse_alignment(value).value_or(Alignment::Relaxed);
        } else if (iequals(name, "aspf")) {
            r.aspf = parse_alignment(value).value_or(Alignment::Relaxed);
        } else if (iequals(name, "pct")) {
            auto n = parse_number<int>(value);
            r.pct = n && *n >= 0 && *n <= 100 ? *n : 100;
        } else if (iequals(name, "rua")) {
            r.rua = parse_uri_list(value);
        } else if (iequals(name, "ruf")) {
            r.ruf = parse_uri_list(value);
        } else if (iequals(name, "fo")) {
            r.fo = valid_colon_list(value, true) ? std::string(value) : "0";
        } else if (iequals(name, "rf")) {
            r.rf = valid_colon_list(value, false) ? std::string(value) : "afrf";
        } else if (iequals(name, "ri")) {
            auto n = parse_number<std::uint32_t>(value);
            r.ri = n ? *n : 86400;
        }
        // RFC 7489 6.3: unknown tags MUST be ignored.
    }
    if (!p_valid || sp_invalid) {
        // RFC 7489 6.6.3 step 6: a valid rua turns the record into p=none.
        if (r.rua.empty())
            return Error(!p_valid ? "DMARC record without a valid p tag" : "DMARC record with an invalid sp tag");
        r.p = Policy::None;
        r.sp.reset();
        r.p_defaulted = true;
    }
    return r;
}

}  // namespace tern::dmarc
