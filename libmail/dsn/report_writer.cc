#include "libmail/dsn/report_writer.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "libmail/cleanup/mail_date.h"
#include "libmail/core/text.h"
#include "libmail/dsn/header_text.h"
#include "libmail/dsn/notify_policy.h"
#include "libmail/queue/queue_writer.h"
#include "libmail/smtp/esmtp_params.h"

namespace tern::dsn {

namespace {

bool attr_is(const queue::Envelope& env, std::string_view name, std::string_view value) {
    const std::string* v = env.attr(name);
    return v && iequals(*v, value);
}

// RFC 3463 2: class "." subject "." detail, 1-3 digits each.
bool is_status_code(std::string_view s) {
    int part = 0;
    std::size_t digits = 0;
    for (char c : s) {
        if (c >= '0' && c <= '9') {
            if (++digits > 3) return false;
        } else if (c == '.' && digits > 0 && part < 2) {
            ++part;
            digits = 0;
        } else {
            return false;
        }
    }
    return part == 2 && digits > 0 && (s[0] == '2' || s[0] == '4' || s[0] == '5');
}

std::string status_of(const RecipientResult& r) {
    if (is_status_code(r.status)) return r.status;
    switch (r.action) {
    case Action::Failed: return "5.0.0";
    case Action::Delayed: return "4.0.0";
    case Action::Delivered:
    case Action::Relayed:
    case Action::Expanded: return "2.0.0";
    }
    return "5.0.0";
}

// A token safe in a field name: mail_name "Tern" gives "X-Tern-Queue-ID".
std::string name_token(std::string_view mail_name) {
    std::string t;
    for (char c : mail_name)
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) t += c;
    return t.empty() ? "Tern" : t;
}

// The diagnostic as "type; text" (RFC 3464 2.3.6); an untyped one is ours.
std::string diagnostic_field(const RecipientResult& r, bool global, std::string_view token) {
    std::string d = safe_text(r.diagnostic, global);
    if (d.empty()) return d;
    const auto semi = d.find(';');
    const std::string_view type = semi == std::string::npos ? std::string_view{} : std::string_view(d).substr(0, semi);
    bool type_ok = !type.empty();
    for (char c : type)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) type_ok = false;
    if (type_ok) return std::string(type) + "; " + std::string(trim(std::string_view(d).substr(semi + 1)));
    return "X-" + std::string(token) + "; " + d;
}

// The human text of a result: the diagnostic without its type, and who said it.
std::string human_reason(const RecipientResult& r, bool global) {
    std::string d = safe_text(r.diagnostic, global);
    const auto semi = d.find(';');
    if (semi != std::string::npos && semi < 20) d = std::string(trim(std::string_view(d).substr(semi + 1)));
    const std::string mta = safe_text(r.remote_mta, global, 255);
    if (d.empty()) {
        switch (r.action) {
        case Action::Failed: d = "delivery failed"; break;
        case Action::Delayed: d = "delivery temporarily suspended"; break;
        case Action::Delivered: d = "delivered"; break;
        case Action::Relayed: d = "relayed to a system that does not report delivery"; break;
        case Action::Expanded: d = "delivered to the members of a list or alias"; break;
        }
        d += " (" + status_of(r) + ")";
    }
    if (!mta.empty()) return "host " + mta + " said: " + d;
    return d;
}

// Wraps text at spaces near 76 columns, continuation lines indented by 4
// (Postfix's bounce_print_wrap shape).
std::string wrap_text(std::string_view text) {
    constexpr std::size_t kWidth = 76;
    std::string out;
    std::size_t col = 0;
    std::size_t pos = 0;
    bool line_start = true;
    while (pos < text.size()) {
        std::size_t end = text.find(' ', pos);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view word = text.substr(pos, end - pos);
        if (!line_start && col + 1 + word.size() > kWidth) {
            out += "\n    ";
            col = 4;
            line_start = true;
        }
        if (!line_start) {
            out += ' ';
            ++col;
        }
        out += word;
        col += word.size();
        line_start = false;
        pos = end + 1;
    }
    out += '\n';
    return out;
}

std::string_view subject_of(const Notice& n) {
    if (n.double_bounce) return "Postmaster Copy: Undelivered Mail";
    switch (n.kind) {
    case NoticeKind::Bounce: return "Undelivered Mail Returned to Sender";
    case NoticeKind::Delay: return "Delayed Mail (still being retried)";
    case NoticeKind::Success: return "Successful Mail Delivery Report";
    }
    return "Undelivered Mail Returned to Sender";
}

std::string_view returned_description(NoticeKind kind, Returned what) {
    const bool h = what == Returned::Headers;
    switch (kind) {
    case NoticeKind::Bounce: return h ? "Undelivered Message Headers" : "Undelivered Message";
    case NoticeKind::Delay: return h ? "Delayed Message Headers" : "Delayed Message";
    case NoticeKind::Success: return h ? "Delivered Message Headers" : "Delivered Message";
    }
    return "Undelivered Message";
}

// Part 1, the explanation, in Postfix's default template wording.
std::string text_part(const Notice& n, std::span<const RecipientResult> results, const queue::Envelope& env,
                      const Settings& s, std::time_t now, bool global) {
    std::string t = "This is the mail system at host " + safe_text(s.myhostname, false) + ".\n\n";
    switch (n.kind) {
    case NoticeKind::Bounce:
        t += "I'm sorry to have to inform you that your message could not\n"
             "be delivered to one or more recipients. It's attached below.\n\n"
             "For further assistance, please send mail to postmaster.\n\n"
             "If you do so, please include this problem report. You can\n"
             "delete your own text from the attached returned message.\n";
        break;
    case NoticeKind::Delay: {
        t += "####################################################################\n"
             "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
             "####################################################################\n\n";
        const std::int64_t hours = (static_cast<std::int64_t>(now) - env.arrival_sec) / 3600;
        if (hours >= 1)
            t += "Your message could not be delivered for more than " + std::to_string(hours) + " hour(s).\n";
        else
            t += "Your message could not be delivered yet.\n";
        if (s.will_retry_until) t += "It will be retried until " + cleanup::rfc5322_date(*s.will_retry_until) + ".\n";
        t += "\nFor further assistance, please send mail to postmaster.\n\n"
             "If you do so, please include this problem report. You can\n"
             "delete your own text from the attached returned message.\n";
        break;
    }
    case NoticeKind::Success:
        t += "Your message was successfully delivered to the destination(s)\n"
             "listed below. If the message was delivered to mailbox you will\n"
             "receive no further notifications. Otherwise you may still receive\n"
             "notifications of mail delivery errors from other systems.\n";
        break;
    }
    t += "\n                   The mail system\n";
    for (std::size_t i : n.results) {
        const RecipientResult& r = results[i];
        t += '\n';
        t += wrap_text("<" + safe_text(r.address, global) + ">: " + human_reason(r, global));
    }
    return t;
}

// Part 2, RFC 3464 2.2 per-message fields then 2.3 per-recipient blocks.
std::string status_part(const Notice& n, std::span<const RecipientResult> results, const queue::Envelope& env,
                        const Settings& s, bool global) {
    const std::string token = name_token(s.mail_name);
    std::string t;
    if (const std::string* envid = env.attr("envid"); envid && !envid->empty())
        t += fold_field("Original-Envelope-Id", safe_text(smtp::decode_xtext(*envid), global));
    t += fold_field("Reporting-MTA", "dns; " + safe_text(s.myhostname, false));
    if (!s.original_queue_id.empty())
        t += fold_field("X-" + token + "-Queue-ID", safe_text(s.original_queue_id, false));
    t += fold_field("X-" + token + "-Sender", typed_address(env.sender, global));
    t += fold_field("Arrival-Date", cleanup::rfc5322_date(static_cast<std::time_t>(env.arrival_sec)));
    for (std::size_t i : n.results) {
        const RecipientResult& r = results[i];
        t += '\n';
        for (const auto& rcpt : env.recipients) {
            if (rcpt.address != r.address || rcpt.orcpt.empty()) continue;
            // RFC 3464 2.3.1: the ORCPT address type and the address, xtext decoded.
            const auto [type, addr] = split_once(rcpt.orcpt, ';');
            t += fold_field("Original-Recipient",
                            safe_text(type, false, 40) + ";" + safe_text(smtp::decode_xtext(addr), global));
            break;
        }
        t += fold_field("Final-Recipient", typed_address(r.address, global));
        t += fold_field("Action", action_name(r.action));
        t += fold_field("Status", status_of(r));
        if (const std::string mta = safe_text(r.remote_mta, false, 255); !mta.empty())
            t += fold_field("Remote-MTA", "dns; " + mta);
        if (const std::string d = diagnostic_field(r, global, token); !d.empty()) t += fold_field("Diagnostic-Code", d);
        if (r.last_attempt != 0) t += fold_field("Last-Attempt-Date", cleanup::rfc5322_date(r.last_attempt));
        if (r.action == Action::Delayed && s.will_retry_until)
            t += fold_field("Will-Retry-Until", cleanup::rfc5322_date(*s.will_retry_until));
    }
    return t;
}

bool has_8bit(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return true;
    return false;
}

// What pass 1 over the original found.
struct Scan {
    std::uint64_t length = 0;   // bytes of the content to return
    bool eight_bit = false;     // any byte >= 0x80 among them
    bool boundary_seen = false;
};

// Reads the original up to what will be returned: the whole of it, or its
// header section (cut at the last line end within limit).
Result<Scan> scan_original(int fd, const queue::QueueFile& qf, Returned what, std::uint64_t limit,
                           const std::string& boundary) {
    Scan sc;
    NeedleScanner needle("--" + boundary);
    std::uint64_t pos = 0, header_end = 0, last_lf_in_limit = 0;
    bool prev_lf = true, found_end = false, stopped = false;
    auto r = queue::read_content(fd, qf, [&](std::string_view chunk) -> Result<void> {
        std::size_t used = chunk.size();
        if (what == Returned::Headers) {
            for (std::size_t i = 0; i < chunk.size(); ++i) {
                const std::uint64_t p = pos + i;
                if (chunk[i] == '\n') {
                    if (prev_lf) {  // an empty line ends the header section (RFC 5322 2.1)
                        header_end = p;
                        found_end = true;
                        used = i;
                        break;
                    }
                    prev_lf = true;
                    if (p + 1 <= limit) last_lf_in_limit = p + 1;
                } else {
                    prev_lf = false;
                }
                if (p >= limit) {
                    used = i;
                    break;
                }
            }
        }
        const std::string_view part = chunk.substr(0, used);
        needle.feed(part);
        if (!sc.eight_bit && has_8bit(part)) sc.eight_bit = true;
        pos += used;
        if (used < chunk.size()) {
            stopped = true;
            return Error("stop");
        }
        return {};
    });
    if (!r && !stopped) return r.error();
    if (what == Returned::Full) {
        sc.length = qf.content_bytes;
    } else if (found_end && header_end <= limit) {
        sc.length = header_end;
    } else if (!found_end && pos == qf.content_bytes && pos <= limit) {
        sc.length = pos;  // no body: the whole message is headers
    } else {
        sc.length = last_lf_in_limit;
    }
    sc.boundary_seen = needle.found();
    return sc;
}

}  // namespace

Returned returned_content(NoticeKind kind, const queue::Envelope& env, std::uint64_t content_bytes,
                          std::uint64_t bounce_size_limit) {
    Returned what = Returned::Headers;
    if (attr_is(env, "ret", "FULL")) what = Returned::Full;
    else if (attr_is(env, "ret", "HDRS")) what = Returned::Headers;
    else if (kind == NoticeKind::Bounce) what = Returned::Full;
    if (what == Returned::Full && content_bytes > bounce_size_limit) what = Returned::Headers;
    return what;
}

std::string_view notification_value(const Notice& n) {
    if (n.double_bounce) return "double-bounce";
    switch (n.kind) {
    case NoticeKind::Bounce: return "bounce";
    case NoticeKind::Delay: return "delay";
    case NoticeKind::Success: return "success";
    }
    return "bounce";
}

Result<std::string> write_notice(const std::string& queue_dir, int orig_fd, const queue::QueueFile& orig,
                                 std::span<const RecipientResult> results, const Notice& notice,
                                 const Settings& s) {
    for (std::size_t i : notice.results)
        if (i >= results.size()) return Error("dsn: notice refers to a result that does not exist");
    const queue::Envelope& env = orig.env;
    const std::time_t now = s.now != 0 ? s.now : std::time(nullptr);
    const bool global = attr_is(env, "smtputf8", "yes");
    const Returned what = returned_content(notice.kind, env, orig.content_bytes, s.bounce_size_limit);

    const std::string text = text_part(notice, results, env, s, now, global);
    const std::string status = status_part(notice, results, env, s, global);

    // A boundary that occurs nowhere in what it separates (RFC 2046 5.1.1).
    std::string boundary;
    Scan sc;
    for (int attempt = 0;; ++attempt) {
        boundary = make_boundary();
        auto r = scan_original(orig_fd, orig, what, s.bounce_size_limit, boundary);
        if (!r) return r.error();
        sc = *r;
        const std::string delim = "--" + boundary;
        if (!sc.boundary_seen && text.find(delim) == std::string::npos && status.find(delim) == std::string::npos)
            break;
        if (attempt == 8) return Error("dsn: no MIME boundary absent from the message");
    }
    const bool eight_bit = sc.eight_bit || has_8bit(text) || has_8bit(status);
    const std::string_view cte = eight_bit ? "8bit" : "7bit";

    auto w = queue::QueueWriter::create(queue_dir);
    if (!w) return w.error();

    queue::Envelope ne;
    ne.arrival_sec = now;
    ne.sender = notice.sender;
    // NOTIFY=NEVER: a notice about a notice is never wanted (RFC 3461 6.2).
    ne.recipients.push_back(queue::Recipient{notice.recipient, "", queue::kNotifyNever});
    ne.attrs.emplace_back(std::string(kNotificationAttr), std::string(notification_value(notice)));
    if (!s.original_queue_id.empty()) ne.attrs.emplace_back("original_queue_id", s.original_queue_id);
    if (global) ne.attrs.emplace_back("smtputf8", "yes");
    if (eight_bit) ne.attrs.emplace_back("body", "8BITMIME");
    if (auto r = w->write_envelope(ne); !r) return r.error();

    const std::string host = safe_text(s.myhostname, false, 255);
    std::string h;
    h += "Date: " + cleanup::rfc5322_date(now) + "\n";
    h += "From: MAILER-DAEMON@" + host + " (Mail Delivery System)\n";
    h += "Subject: " + std::string(subject_of(notice)) + "\n";
    h += fold_field("To", safe_text(notice.recipient, global, 512));
    h += "Auto-Submitted: auto-replied\n";  // RFC 3834 5
    h += "MIME-Version: 1.0\n";
    h += "Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"" + boundary + "\"\n";
    h += "Content-Transfer-Encoding: " + std::string(cte) + "\n";
    h += "Message-Id: " + cleanup::make_message_id(now, w->id(), host) + "\n";
    h += "\nThis is a MIME-encapsulated message.\n\n";
    h += "--" + boundary + "\n";
    h += "Content-Description: Notification\n";
    h += std::string("Content-Type: text/plain; charset=") + (global ? "utf-8" : "us-ascii") + "\n";
    if (global && has_8bit(text)) h += "Content-Transfer-Encoding: 8bit\n";
    h += "\n" + text + "\n";
    h += "--" + boundary + "\n";
    h += "Content-Description: Delivery report\n";
    h += std::string("Content-Type: ") + (global ? "message/global-delivery-status" : "message/delivery-status") + "\n";
    if (global && has_8bit(status)) h += "Content-Transfer-Encoding: 8bit\n";
    h += "\n" + status + "\n";
    h += "--" + boundary + "\n";
    h += "Content-Description: " + std::string(returned_description(notice.kind, what)) + "\n";
    if (what == Returned::Full)
        h += std::string("Content-Type: ") + (global ? "message/global" : "message/rfc822") + "\n";
    else
        h += std::string("Content-Type: ") + (global ? "message/global-headers" : "text/rfc822-headers") + "\n";
    if (sc.eight_bit) h += "Content-Transfer-Encoding: 8bit\n";
    h += "\n";
    if (auto r = w->write_content(h); !r) return r.error();

    // Pass 2: the original, streamed, exactly sc.length bytes.
    std::uint64_t left = sc.length;
    bool stopped = false;
    auto r = queue::read_content(orig_fd, orig, [&](std::string_view chunk) -> Result<void> {
        const std::string_view part = chunk.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size())));
        if (auto wr = w->write_content(part); !wr) return wr.error();
        left -= part.size();
        if (left == 0) {
            stopped = true;
            return Error("stop");
        }
        return {};
    });
    if (!r && !stopped) return r.error();
    if (left != 0) return Error("dsn: original message changed while being returned");
    // The line end before a delimiter belongs to the delimiter (RFC 2046 5.1.1).
    if (auto wr = w->write_content("\n--" + boundary + "--\n"); !wr) return wr.error();
    return w->commit();
}

Result<std::vector<std::string>> queue_notices(const std::string& queue_dir, int orig_fd,
                                               const queue::QueueFile& orig,
                                               std::span<const RecipientResult> results, const Settings& s) {
    std::vector<std::string> ids;
    for (const Notice& n : plan_notices(orig.env, results, s)) {
        auto id = write_notice(queue_dir, orig_fd, orig, results, n, s);
        if (!id) return id.error();
        ids.push_back(std::move(*id));
    }
    return ids;
}

}  // namespace tern::dsn
