#include "imapd/mail_date.h"

#include <cctype>
#include <string>

#include "libmail/core/text.h"

namespace tern::imapd {

namespace {

constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::optional<unsigned> month_index(std::string_view name) {  // 1..12
    for (unsigned m = 0; m < 12; ++m)
        if (iequals(kMonths[m], name)) return m + 1;
    return std::nullopt;
}

// Tokens of a date: runs of letters, runs of digits, and + / - signs glued
// to the digits that follow; comments in parentheses and punctuation skipped.
struct Lexer {
    std::string_view s;
    std::size_t i = 0;
    std::string_view next() {
        int depth = 0;
        while (i < s.size()) {
            const char c = s[i];
            if (c == '(') ++depth;
            else if (c == ')' && depth > 0) --depth;
            else if (depth == 0 && (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-')) break;
            ++i;
        }
        const std::size_t start = i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        const bool digits = i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]));
        while (i < s.size() && (digits ? std::isdigit(static_cast<unsigned char>(s[i]))
                                       : std::isalpha(static_cast<unsigned char>(s[i]))))
            ++i;
        if (i == start + 1 && (s[start] == '+' || s[start] == '-')) return next();  // a lone sign
        return s.substr(start, i - start);
    }
};

bool all_digits(std::string_view t) {
    if (t.empty()) return false;
    for (char c : t)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

// RFC 5322 4.3 obsolete zones; military zones count as +0000 (their sign was
// used both ways in practice).
std::optional<int> zone_minutes(std::string_view z) {
    if (z.size() == 5 && (z[0] == '+' || z[0] == '-') && all_digits(z.substr(1))) {
        const int h = (z[1] - '0') * 10 + (z[2] - '0'), m = (z[3] - '0') * 10 + (z[4] - '0');
        if (m > 59) return std::nullopt;
        return (z[0] == '-' ? -1 : 1) * (h * 60 + m);
    }
    struct Named { std::string_view name; int minutes; };
    static constexpr Named kZones[] = {{"UT", 0},         {"GMT", 0},        {"Z", 0},          {"EST", -5 * 60},
                                       {"EDT", -4 * 60},  {"CST", -6 * 60},  {"CDT", -5 * 60},  {"MST", -7 * 60},
                                       {"MDT", -6 * 60},  {"PST", -8 * 60},  {"PDT", -7 * 60}};
    for (const auto& n : kZones)
        if (iequals(n.name, z)) return n.minutes;
    if (z.size() == 1 && std::isalpha(static_cast<unsigned char>(z[0]))) return 0;
    return std::nullopt;
}

}  // namespace

std::int64_t day_of(std::int64_t epoch_seconds) {
    return epoch_seconds >= 0 ? epoch_seconds / 86400 : -((-epoch_seconds + 86399) / 86400);
}

std::optional<MailDate> parse_mail_date(std::string_view value) {
    if (value.size() > 256) value = value.substr(0, 256);  // a date is short; the rest is junk
    Lexer lx{value};
    auto t = lx.next();
    if (!t.empty() && !all_digits(t)) t = lx.next();  // day of week
    const auto day = parse_number<unsigned>(t);
    const auto month = month_index(lx.next());
    const auto ytok = lx.next();
    auto year = all_digits(ytok) ? parse_number<int>(ytok) : std::nullopt;
    if (!day || !month || !year || *day < 1 || *day > 31) return std::nullopt;
    if (ytok.size() <= 2) *year += *year < 50 ? 2000 : 1900;  // RFC 5322 4.3
    else if (ytok.size() == 3) *year += 1900;
    if (*year < 1900 || *year > 9999) return std::nullopt;
    int hms[3] = {0, 0, 0};
    std::string_view zone;
    for (int k = 0; k < 3; ++k) {
        auto tok = lx.next();
        if (!all_digits(tok) || tok.size() > 2) {
            zone = tok;
            break;
        }
        hms[k] = (tok.size() == 2 ? (tok[0] - '0') * 10 + (tok[1] - '0') : tok[0] - '0');
    }
    if (zone.empty()) zone = lx.next();
    if (hms[0] > 23 || hms[1] > 59 || hms[2] > 60) return std::nullopt;
    const int offset = zone.empty() ? 0 : zone_minutes(zone).value_or(0);
    MailDate d;
    d.day = days_from_civil(*year, *month, *day);
    d.utc_seconds = d.day * 86400 + hms[0] * 3600 + hms[1] * 60 + hms[2] - offset * 60;
    return d;
}

std::optional<std::int64_t> parse_search_date(std::string_view s) {
    const auto d1 = s.find('-');
    const auto d2 = d1 == std::string_view::npos ? d1 : s.find('-', d1 + 1);
    if (d2 == std::string_view::npos) return std::nullopt;
    const auto day = parse_number<unsigned>(s.substr(0, d1));
    const auto year = parse_number<int>(s.substr(d2 + 1));
    const auto month = month_index(s.substr(d1 + 1, d2 - d1 - 1));
    if (!day || !year || !month || *day < 1 || *day > 31 || *year < 1900 || *year > 9999) return std::nullopt;
    return days_from_civil(*year, *month, *day);
}

}  // namespace tern::imapd
