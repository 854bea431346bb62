#include "libmail/cleanup/mail_date.h"

#include <cstdio>
#include <cstdlib>

namespace tern::cleanup {

std::string rfc5322_date(std::time_t t, bool utc) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    if (utc) {
        ::gmtime_r(&t, &tm);
    } else {
        ::localtime_r(&t, &tm);
    }
    const long off = tm.tm_gmtoff / 60;  // minutes east of UTC
    const long aoff = std::labs(off);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld (%s)", kDays[tm.tm_wday % 7],
                  tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  off < 0 ? '-' : '+', aoff / 60, aoff % 60, !utc && tm.tm_zone ? tm.tm_zone : "UTC");
    return buf;
}

std::string make_message_id(std::time_t t, std::string_view queue_id, std::string_view host) {
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
    std::string id = "<";
    id += stamp;
    id += '.';
    id += queue_id;
    id += '@';
    id += host;
    id += '>';
    return id;
}

}  // namespace tern::cleanup
