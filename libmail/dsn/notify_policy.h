// Which notices a set of delivery results produces (RFC 3461 4.1, Postfix's
// rules): NOTIFY=NEVER never; failures unless NOTIFY was given without
// FAILURE; delays when NOTIFY includes DELAY or was not given; success only
// when NOTIFY includes SUCCESS. Never a notice for a notice: a message from
// the null sender gets no delay or success report, and its failure becomes a
// double bounce to the postmaster; a failed double bounce is dropped.
#pragma once

#include <span>
#include <vector>

#include "libmail/dsn/notice.h"
#include "libmail/queue/queue_file.h"

namespace tern::dsn {

// The NOTIFY bits of the envelope recipient whose address is `address`
// (0 when no recipient matches: the defaults then apply).
std::uint8_t notify_of(const queue::Envelope& env, std::string_view address);

// Whether the result is reported under those NOTIFY bits, and in which kind.
std::optional<NoticeKind> notice_kind_for(Action action, std::uint8_t notify);

// Plans the notices for results of the message env: at most one per kind,
// in the order Bounce, Delay, Success; empty when nothing is to be sent.
std::vector<Notice> plan_notices(const queue::Envelope& env, std::span<const RecipientResult> results,
                                 const Settings& s);

}  // namespace tern::dsn
