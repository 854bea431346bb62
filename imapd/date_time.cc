#include "imapd/date_time.h"

#include "libmail/core/text.h"

namespace tern::imapd {

std::int64_t days_from_civil(int year, unsigned month, unsigned day) {
    // H. Hinnant's algorithm: March-based years make leap days come last.
    const int y = year - (month <= 2 ? 1 : 0);
    const int era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned mp = (month + 9) % 12;
    const unsigned doy = (153 * mp + 2) / 5 + day - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

namespace {

std::optional<unsigned> digits(std::string_view s, std::size_t n) {
    if (s.size() != n) return std::nullopt;
    for (char c : s)
        if (c < '0' || c > '9') return std::nullopt;
    return parse_number<unsigned>(s);
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

std::optional<std::int64_t> parse_date_time(std::string_view t) {
    static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    // date-day-fixed = (SP DIGIT) / 2DIGIT
    if (t.size() != 26 || t[2] != '-' || t[6] != '-' || t[11] != ' ' || t[14] != ':' || t[17] != ':' ||
        t[20] != ' ' || (t[21] != '+' && t[21] != '-'))
        return std::nullopt;
    const auto day = t[0] == ' ' ? digits(t.substr(1, 1), 1) : digits(t.substr(0, 2), 2);
    unsigned month = 0;
    while (month < 12 && !iequals(kMonths[month], t.substr(3, 3))) ++month;
    const auto year = digits(t.substr(7, 4), 4);
    const auto hh = digits(t.substr(12, 2), 2), mm = digits(t.substr(15, 2), 2), ss = digits(t.substr(18, 2), 2);
    const auto zh = digits(t.substr(22, 2), 2), zm = digits(t.substr(24, 2), 2);
    if (!day || month == 12 || !year || !hh || !mm || !ss || !zh || !zm) return std::nullopt;
    static constexpr unsigned kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const int y = static_cast<int>(*year);
    if (*day < 1 || *day > kDays[month] || (month == 1 && *day == 29 && !leap(y))) return std::nullopt;
    if (*hh > 23 || *mm > 59 || *ss > 60 || *zh > 23 || *zm > 59) return std::nullopt;
    const std::int64_t zone = (static_cast<std::int64_t>(*zh) * 60 + *zm) * 60 * (t[21] == '-' ? -1 : 1);
    return days_from_civil(y, month + 1, *day) * 86400 + *hh * 3600 + *mm * 60 + *ss - zone;
}

}  // namespace tern::imapd
