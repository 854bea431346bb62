// The scheduler's limits from main.cf: <transport>_destination_concurrency_limit
// and <transport>_destination_rate_delay for local and smtp, the default_*
// parameters for any other master.cf transport.
#pragma once

#include "libmail/config/config.h"
#include "qmgr/scheduler.h"

namespace tern::qmgr {

SchedulerSettings scheduler_settings(const config::Config& cfg);

}  // namespace tern::qmgr
