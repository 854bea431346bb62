// Parameters of qmgr: queue scans, retries and expiry (Postfix's names and defaults).
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr ParamSpec kQueueRunDelay{"queue_run_delay", ParamType::Time, "300s", 1, 86400,
    "How often qmgr scans the deferred queue for mail whose retry time has come."};
inline constexpr ParamSpec kMinimalBackoffTime{"minimal_backoff_time", ParamType::Time, "300s", 1, 86400,
    "Shortest time a deferred message waits before its next delivery attempt."};
inline constexpr ParamSpec kMaximalBackoffTime{"maximal_backoff_time", ParamType::Time, "4000s", 1, 7 * 86400,
    "Longest time a deferred message waits before its next delivery attempt."};
inline constexpr ParamSpec kMaximalQueueLifetime{"maximal_queue_lifetime", ParamType::Time, "5d", 0, 100 * 86400,
    "How long undeliverable mail stays queued before it is returned as expired.", 'd'};
inline constexpr ParamSpec kQmgrMessageActiveLimit{"qmgr_message_active_limit", ParamType::Int, "20000", 1, 10000000,
    "Most messages in the active queue at once."};
inline constexpr ParamSpec kLocalDestinationConcurrencyLimit{"local_destination_concurrency_limit", ParamType::Int,
    "$default_destination_concurrency_limit", 1, 1000,
    "Most deliveries through local to one domain at the same time (Maildir needs no per-user lock, so Postfix virtual(8)'s default, not local(8)'s 2)."};

// The scheduler (qmgr/scheduler.h): per-destination concurrency and pacing.
inline constexpr ParamSpec kDefaultDestinationConcurrencyLimit{"default_destination_concurrency_limit", ParamType::Int,
    "20", 1, 1000, "Most deliveries to one destination (transport and next hop) at the same time."};
inline constexpr ParamSpec kSmtpDestinationConcurrencyLimit{"smtp_destination_concurrency_limit", ParamType::Int,
    "$default_destination_concurrency_limit", 1, 1000, "Most deliveries through smtp to one destination at the same time."};
inline constexpr ParamSpec kInitialDestinationConcurrency{"initial_destination_concurrency", ParamType::Int, "5", 1, 1000,
    "Deliveries a destination starts with at once; each window's worth of successes adds one, up to its limit."};
inline constexpr ParamSpec kDefaultDestinationRateDelay{"default_destination_rate_delay", ParamType::Time, "0s", 0, 3600,
    "Time between two deliveries to one destination (one at a time when set); 0: no pacing."};
inline constexpr ParamSpec kSmtpDestinationRateDelay{"smtp_destination_rate_delay", ParamType::Time,
    "$default_destination_rate_delay", 0, 3600, "Time between two deliveries through smtp to one destination."};
inline constexpr ParamSpec kDefaultDestinationConcurrencyFailedCohortLimit{
    "default_destination_concurrency_failed_cohort_limit", ParamType::Int, "1", 1, 100,
    "Windows' worth of connection-level failures in a row after which a destination is dead: its mail waits "
    "minimal_backoff_time without a try."};

inline constexpr ParamSpec kDelayWarningTime{"delay_warning_time", ParamType::Time, "0h", 0, 100 * 86400,
    "After this long in the queue the sender gets one notice that the message is still being tried (NOTIFY permitting); 0: never."};
inline constexpr ParamSpec kTransportMaps{"transport_maps", ParamType::List, "", 0, 0,
    "Tables (transport(5)) that route an address, a domain or .parent domain to transport:nexthop, or error:text."};

inline constexpr const ParamSpec* kQmgrParams[] = {
    &kQueueRunDelay, &kMinimalBackoffTime, &kMaximalBackoffTime, &kMaximalQueueLifetime,
    &kQmgrMessageActiveLimit, &kLocalDestinationConcurrencyLimit, &kTransportMaps,
    &kDelayWarningTime, &kDefaultDestinationConcurrencyLimit, &kSmtpDestinationConcurrencyLimit,
    &kInitialDestinationConcurrency, &kDefaultDestinationRateDelay, &kSmtpDestinationRateDelay,
    &kDefaultDestinationConcurrencyFailedCohortLimit,
};

}  // namespace tern::config
