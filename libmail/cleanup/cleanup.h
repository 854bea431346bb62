// Cleanup: the streaming message processor between a message source (smtpd's
// DATA/BDAT, pickup) and the QueueWriter, Postfix's cleanup(8) cut down to a
// library. It sees the header section as it arrives, one logical header at a
// time (bounded: header_size_limit per header, header_section_size_limit in
// all), applies header_checks, adds Message-Id/Date (and From: for local
// submission) when missing, then passes the body through untouched.
// Invariant: nothing reaches the queue unless finish() committed it, and a
// message is never held whole in memory (at most one header).
//
// Use (smtpd):   QueueWriter w = ...; Cleanup c(opts, w);
//                c.write_envelope(env);  w.write_content(received_header);
//                c.feed(chunk)...;       c.end_content();
//                (DNS checks on what the observers saw; c.prepend(a_r); or c.refuse(...))
//                Verdict v = c.finish();  reply v.reply
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <vector>
#include <string>
#include <string_view>

#include "libmail/cleanup/header_action.h"
#include "libmail/config/config.h"
#include "libmail/core/result.h"
#include "libmail/maps/map.h"
#include "libmail/queue/queue_file.h"
#include "libmail/queue/queue_writer.h"
#include "libmail/smtp/reply.h"

namespace tern::cleanup {

// What happened to the message. Accept and Hold mean it is on disk (incoming/
// or hold/); Discard means the sender is told it was accepted but nothing was
// queued (Postfix's DISCARD); Reject and Tempfail mean nothing was queued and
// the sender gets reply (5xx / 4xx).
enum class Action { Accept, Hold, Discard, Reject, Tempfail };

struct Verdict {
    Action action = Action::Tempfail;
    smtp::Reply reply;        // what to answer: "250 2.0.0 Ok: queued as ID", "550 5.7.1 ...", "451 4.3.0 ..."
    std::string queue_id;     // the writer's id (also for Discard/Reject, for log lines)
};

// Who sent the message, for Postfix-shaped log lines:
//   "ID: reject: header Subject: x from CLIENT; from=<S> to=<R> proto=ESMTP helo=<H>: 5.7.1 text"
struct LogContext {
    std::string client = "local";  // "name[addr]" for SMTP; "local" for pickup
    std::string protocol;          // "ESMTP", "SMTP"; empty: not logged
    std::string helo;              // empty: not logged
};

// Sees the message exactly as it goes into the queue file: each header field
// after header_checks (the ones cleanup adds included), then the body. DKIM
// verification and signing, and the DMARC From: domain, watch through this.
class ContentObserver {
public:
    virtual ~ContentObserver() = default;
    virtual void header(std::string_view field) = 0;  // one whole field: folded lines, LF line ends, final LF
    virtual void end_of_headers() = 0;
    virtual void body(std::string_view chunk) = 0;    // LF line ends, any chunking
    virtual void end_of_body() = 0;
};

struct CleanupOptions {
    maps::MapList* header_checks = nullptr;    // not owned; null or empty: no checks
    bool add_missing_headers = false;          // Message-Id and Date (submission, local, always_add_missing_headers)
    bool add_missing_from = false;             // From: built from the sender and full_name (local submission)
    std::string full_name;                     // sendmail -F (control characters are removed)
    std::string myhostname;                    // right-hand side of generated Message-Ids
    std::string myorigin;                      // non-empty: unqualified envelope addresses get "@myorigin"
    std::size_t header_size_limit = 102400;    // one logical header, folded lines included
    std::size_t header_section_size_limit = 1024 * 1024;
    std::uint64_t message_size_limit = 0;      // bytes fed; 0 = no limit
    LogContext log;
    // A header field (the unfolded "Name: value") for which this returns true
    // is dropped before header_checks see it: an Authentication-Results
    // claiming our authserv-id, a quarantine mark from outside. Null: none.
    std::function<bool(std::string_view logical)> drop_header;
    std::time_t now = 0;                       // arrival time for Message-Id/Date; 0 = time(nullptr)
};

class Cleanup {
public:
    // writer must outlive this object; its file is committed or aborted by finish().
    Cleanup(CleanupOptions opts, queue::QueueWriter& writer);
    Cleanup(const Cleanup&) = delete;
    Cleanup& operator=(const Cleanup&) = delete;

    // Writes the envelope (qualifying unqualified addresses when myorigin is
    // set) and remembers sender and first recipient for log lines. Call once,
    // before the caller's own trace header (written to the writer directly)
    // and before any feed(). An error is a queue write error (tell the client 4xx).
    [[nodiscard]] Result<void> write_envelope(queue::Envelope env);

    // The message, in chunks of any size and boundary: LF line ends, already
    // dot-unstuffed. Never fails: errors are remembered and reported by finish().
    void feed(std::string_view content);

    // True once the outcome can no longer be Accept/Hold (reject, discard or
    // write error): the caller may keep reading to find the end of data but
    // need not feed any more.
    bool decided() const { return stop_ != Action::Accept && stop_ != Action::Hold; }

    // Not owned; must outlive this object. Add before the first feed().
    void add_observer(ContentObserver* o) { observers_.push_back(o); }

    // The message content is complete: the last line and the header section
    // are finished and the observers told. finish() does it if not done yet.
    void end_content();
    // After end_content(): header fields (complete, LF line ends) that go
    // above the message, e.g. Authentication-Results. A write error makes
    // the outcome Tempfail.
    void prepend(std::string_view fields);
    // After end_content(): a check on the whole message says no (a DMARC
    // reject: action Reject; a lookup failure: Tempfail). Logged as header
    // checks' rejects are.
    void refuse(Action action, smtp::Reply reply);
    // After end_content(): the message goes to hold/ instead of incoming/
    // (a DMARC policy with dmarc_*_action = hold). Logged like HOLD.
    void hold(std::string_view why);

    // Ends the message: commits it into incoming/ (Accept) or hold/ (Hold),
    // or drops the file (Discard, Reject, Tempfail). Call once.
    Verdict finish();

    // The envelope as written (after qualification), for the caller's log lines.
    const std::string& sender() const { return sender_; }

private:
    void process_line(std::string_view line);     // one complete header-phase line, with its LF
    void flush_header();                          // checks and writes the header in cur_
    void end_of_headers();                        // adds missing headers
    void write(std::string_view bytes);
    void write_header(std::string_view field);    // written and shown to the observers
    void write_body(std::string_view bytes);
    void fail(Action a, smtp::Reply reply);
    void log_action(std::string_view action, std::string_view header, std::string_view text) const;
    bool apply_checks(std::string_view logical, std::string& replaced, std::string& prepend);

    CleanupOptions o_;
    queue::QueueWriter& w_;
    std::string sender_;
    std::string first_rcpt_;
    bool in_headers_ = true;
    bool checks_on_ = true;       // false after DISCARD / REJECT (Postfix stops looking)
    std::string partial_;         // header-phase bytes after the last LF
    std::string cur_;             // the logical header being collected (folded lines, LFs kept)
    std::size_t section_bytes_ = 0;
    std::uint64_t fed_bytes_ = 0;
    bool seen_message_id_ = false, seen_date_ = false, seen_from_ = false;
    std::string message_id_;      // as found or generated, for the "ID: message-id=<...>" log line
    char last_byte_ = 0;          // last content byte written (a missing final LF is added)
    Action stop_ = Action::Accept;   // Accept, or Hold, or the first final outcome
    smtp::Reply stop_reply_;
    bool content_ended_ = false;
    bool finished_ = false;
    std::vector<ContentObserver*> observers_;
};

// The main.cf side of CleanupOptions: header_size_limit,
// header_section_size_limit, message_size_limit, myhostname, and
// add_missing_headers from always_add_missing_headers. The caller sets
// header_checks (opened once, at startup: maps::MapList::open of
// cfg.get_list(kHeaderChecks)), myorigin and add_missing_* for local
// submission, and log.
CleanupOptions options_from_config(const config::Config& cfg);

// "Full Name" <addr> style From: value for local submission (Postfix's
// header_from_format = standard); "MAILER-DAEMON" for the null sender.
std::string format_from(std::string_view sender, std::string_view full_name);

}  // namespace tern::cleanup
