// Pickup: takes locally submitted messages out of maildrop/ (written by
// postdrop) into incoming/, through the same Cleanup as smtpd (header_checks,
// missing Message-Id/Date/From added), then wakes qmgr.
// Invariant: a maildrop file is removed only after its message is committed
// into incoming/ or hold/ (or deliberately refused): a crash in between
// duplicates a message, never loses one. A file that is not a valid queue file
// is moved to corrupt/ (removed if that fails) and logged with its name and
// the problem; it never stops the scan.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "libmail/cleanup/cleanup.h"
#include "libmail/core/result.h"
#include "libmail/core/unique_fd.h"
#include "libmail/queue/queue_file.h"
#include "libmail/event/event_ptrs.h"
#include "libmail/dkim/signing_table.h"
#include "libmail/maps/map.h"

namespace tern::pickup {

struct Settings {
    std::string myhostname;               // Message-Id right-hand side, Received "by"
    std::string myorigin;                 // qualifies unqualified envelope addresses
    std::string mail_name = "Tern";       // Received: by HOST (MAIL_NAME, from userid N)
    std::size_t header_size_limit = 102400;
    std::size_t header_section_size_limit = 1024 * 1024;
    std::uint64_t message_size_limit = 0; // 0 = no limit
    std::size_t recipient_limit = 10000;
    maps::MapList* header_checks = nullptr;  // not owned; may be null
    dkim::SigningTable* signing = nullptr;   // not owned; null: no DKIM signing
};

enum class Outcome {
    Queued,     // committed into incoming/; maildrop file removed
    Held,       // committed into hold/ (header_checks HOLD); maildrop file removed
    Discarded,  // header_checks DISCARD; maildrop file removed
    Rejected,   // header_checks REJECT or a limit: logged, a notification queued
                // for the sender (none for the null sender), maildrop file removed
    Corrupt,    // not a valid queue file: moved to corrupt/ (or removed)
    Retry,      // a temporary error: the file stays for the next scan
    Skipped,    // not ours to take (a temporary file being written, or gone)
};

class Pickup {
public:
    Pickup(std::string queue_dir, Settings s) : queue_dir_(std::move(queue_dir)), s_(std::move(s)) {}

    // Takes one maildrop file by name. Never throws, never aborts on bad input.
    Outcome process(const std::string& name);
    // Takes every file in maildrop/ and triggers qmgr once if any was queued.
    // Returns the number of messages queued into incoming/.
    std::size_t scan();

private:
    Outcome corrupt(const std::string& name, const std::string& problem);
    // Queues a notification to sender that the message (still readable from
    // fd) was refused with v.reply; returns its queue ID.
    [[nodiscard]] Result<std::string> bounce(int fd, const queue::QueueFile& qf, const std::string& sender,
                                             const cleanup::Verdict& v);

    std::string queue_dir_;
    Settings s_;
};

// The event-loop side: trigger connections on public/pickup and a periodic scan.
class PickupServer {
public:
    PickupServer(event_base* base, Pickup& pickup, std::chrono::seconds every);
    void accept_trigger(UniqueFd fd);

private:
    static void on_trigger_read(evutil_socket_t fd, short, void* ctx) noexcept;
    static void on_periodic(evutil_socket_t, short, void* ctx) noexcept;

    event_base* base_;
    Pickup& pickup_;
    std::unordered_map<int, EventPtr> conns_;
    EventPtr periodic_;
};

}  // namespace tern::pickup
