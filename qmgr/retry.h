// Retry policy and routing decisions of qmgr, as pure functions (unit-tested).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/queue/queue_file.h"

namespace tern::qmgr {

// Postfix's backoff: wait as long as the message has been queued, bounded by
// minimal_backoff_time and maximal_backoff_time.
std::chrono::seconds next_backoff(std::chrono::seconds age, std::chrono::seconds minimal, std::chrono::seconds maximal);

// The domain of an address (after the last '@'), lower-cased; "" when none.
std::string domain_of(std::string_view address);

// Whether the recipient's domain is delivered here (mydestination or
// virtual_mailbox_domains; case-insensitive).
bool is_local_domain(std::string_view address, const std::vector<std::string>& local_domains);

// What happens to a message after a delivery round: it leaves the queue only
// when no recipient is Pending any more (DESIGN.md invariant 2).
enum class Disposition { Remove, Defer };
Disposition disposition(const std::vector<queue::Recipient>& recipients);

}  // namespace tern::qmgr
