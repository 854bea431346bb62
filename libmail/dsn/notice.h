// The vocabulary of delivery status notifications (RFC 3464, RFC 3461): what
// happened to each recipient (RecipientResult), which notice to send to whom
// (Notice, decided by notify_policy.h) and the settings that shape it.
// Used by qmgr to queue bounces, delay warnings and success reports; the
// notice itself is written by report_writer.h. Nothing here does I/O.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::dsn {

// RFC 3464 2.3.3 action-value.
enum class Action { Failed, Delayed, Delivered, Relayed, Expanded };
std::string_view action_name(Action a);  // "failed", "delayed", ...

// What happened to one recipient of the original message. Text fields come
// from the network (remote replies) and are made safe when written.
struct RecipientResult {
    std::string address;        // the envelope recipient as in the queue file (matched for NOTIFY/ORCPT)
    Action action = Action::Failed;
    std::string status;         // RFC 3463 "5.1.1"; empty: 5.0.0 / 4.0.0 / 2.0.0 from the action
    std::string diagnostic;     // RFC 3464 2.3.6 "smtp; 550 5.1.1 user unknown"; may be empty
    std::string remote_mta;     // host name of the MTA that answered; may be empty
    std::time_t last_attempt = 0;  // 0: no Last-Attempt-Date
};

enum class NoticeKind { Bounce, Delay, Success };

// One notice to queue: its kind, its envelope and which results it reports.
struct Notice {
    NoticeKind kind = NoticeKind::Bounce;
    std::string sender;          // envelope sender of the notice: "" (RFC 3461 6.2), or the
                                 // double-bounce address for a double bounce
    std::string recipient;       // the original sender, or the postmaster for a double bounce
    bool double_bounce = false;  // a failed message whose own sender was "" (Postfix's 2bounce)
    std::vector<std::size_t> results;  // indices into the results the notice was planned from
};

// Settings of a notice. main.cf values come from load_settings (settings.h);
// tests fill the struct directly.
struct Settings {
    std::string myhostname;                      // Reporting-MTA, From: MAILER-DAEMON@myhostname
    std::string mail_name = "Tern";              // X-<mail_name>-Queue-ID style fields
    std::string postmaster = "postmaster";       // recipient of double bounces (2bounce_notice_recipient)
    std::string double_bounce_sender = "double-bounce";  // local part; @myhostname is added
    std::uint64_t bounce_size_limit = 50000;     // bytes of the original returned at most
    std::time_t now = 0;                         // Date of the notice; 0: the current time
    std::optional<std::time_t> will_retry_until; // delays: Will-Retry-Until and the text
    std::string original_queue_id;               // the original's queue ID, for the report; may be empty

    std::string double_bounce_address() const { return double_bounce_sender + "@" + myhostname; }
};

}  // namespace tern::dsn
