// The one log line per recipient result, in Postfix's shape, so log
// summarisers (pflogsumm) and admins' greps work unchanged:
//   ID: to=<rcpt>, relay=R, delay=T, delays=a/b/c/d, dsn=X.Y.Z, status=S (text)
// a: before the active queue, b: in qmgr, c: connection setup, d: transmission.
// Each result is logged once, by the process that decided it: the delivery
// agent for what it did, qmgr for what it decided without one (expiry,
// suspension, routing errors).
#pragma once

#include <string>
#include <string_view>

namespace tern::queue {

struct Delays {
    double before_active = 0, in_qmgr = 0, setup = 0, transmission = 0;
    double total() const { return before_active + in_qmgr + setup + transmission; }
};

// Postfix's delay format: "0" below 10 ms, 2 decimals below 1 s, 2 significant digits below 10 s, then whole seconds.
std::string format_delay(double seconds);

// Seconds since the epoch, with microseconds.
double now_seconds();

void log_recipient_result(std::string_view queue_id, std::string_view rcpt, std::string_view relay, const Delays& d,
                          std::string_view dsn, std::string_view status, std::string_view text);

}  // namespace tern::queue
