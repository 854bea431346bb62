// Writes one delivery status notification as a new queue file in incoming/
// (QueueWriter: same durable commit as smtpd). The message is an RFC 6522
// multipart/report; report-type=delivery-status with three parts: a
// text/plain explanation in Postfix's wording, the RFC 3464
// message/delivery-status report, and the original message (message/rfc822)
// or its headers (text/rfc822-headers). A message that came with SMTPUTF8
// gets the RFC 6533 types message/global-delivery-status and message/global
// (message/global-headers). The original is copied from its queue file in
// chunks, never held whole, and never more than bounce_size_limit bytes.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "libmail/core/result.h"
#include "libmail/dsn/notice.h"
#include "libmail/queue/queue_file.h"

namespace tern::dsn {

enum class Returned { Headers, Full };

// What of the original a notice returns: RET=HDRS gives headers; RET=FULL
// the whole message; without RET, bounces return the whole message and
// delays and success reports the headers. A whole message larger than
// bounce_size_limit is returned as its headers only (Postfix: never cut a
// MIME structure in the middle).
Returned returned_content(NoticeKind kind, const queue::Envelope& env, std::uint64_t content_bytes,
                          std::uint64_t bounce_size_limit);

// The queue attribute that marks a notice: "notification" with value
// "bounce", "delay", "success" or "double-bounce".
inline constexpr std::string_view kNotificationAttr = "notification";
std::string_view notification_value(const Notice& n);

// Composes the notice for `notice` (planned by plan_notices from the same
// results) about the original message read from orig_fd/orig, writes it into
// queue_dir/incoming/ and returns its queue ID. The envelope: sender
// notice.sender, one recipient notice.recipient with NOTIFY=NEVER, attrs
// notification=..., original_queue_id, smtputf8 and body=8BITMIME when they
// apply. An I/O error leaves nothing in incoming/.
[[nodiscard]] Result<std::string> write_notice(const std::string& queue_dir, int orig_fd,
                                               const queue::QueueFile& orig,
                                               std::span<const RecipientResult> results, const Notice& notice,
                                               const Settings& s);

// Plans (plan_notices) and writes every notice the results call for, in the
// order Bounce, Delay, Success; returns their queue IDs (empty: nothing to
// send). Stops at the first error; notices written before it stay queued,
// so a caller that retries may send one twice but never loses one.
[[nodiscard]] Result<std::vector<std::string>> queue_notices(const std::string& queue_dir, int orig_fd,
                                                             const queue::QueueFile& orig,
                                                             std::span<const RecipientResult> results,
                                                             const Settings& s);

}  // namespace tern::dsn
