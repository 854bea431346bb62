#include "libmail/queue/delivery_log.h"

#include <sys/time.h>

#include <cstdio>

#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::queue {

std::string format_delay(double s) {
    if (s < 0.005) return "0";
    char buf[32];
    std::snprintf(buf, sizeof buf, s < 1 ? "%.2f" : s < 10 ? "%.2g" : "%.0f", s);
    return buf;
}

double now_seconds() {
    timeval tv{};
    ::gettimeofday(&tv, nullptr);
    return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6;
}

void log_recipient_result(std::string_view queue_id, std::string_view rcpt, std::string_view relay, const Delays& d,
                          std::string_view dsn, std::string_view status, std::string_view text) {
    log::info("%s: to=<%s>, relay=%s, delay=%s, delays=%s/%s/%s/%s, dsn=%s, status=%s (%s)",
              printable(queue_id).c_str(), printable(rcpt, 512).c_str(), printable(relay, 300).c_str(),
              format_delay(d.total()).c_str(), format_delay(d.before_active).c_str(), format_delay(d.in_qmgr).c_str(),
              format_delay(d.setup).c_str(), format_delay(d.transmission).c_str(), printable(dsn).c_str(),
              printable(status).c_str(), printable(text, 1000).c_str());
}

}  // namespace tern::queue
