#include "qmgr/scheduler_settings.h"

#include "libmail/config/params_global.h"
#include "libmail/config/params_qmgr.h"

namespace tern::qmgr {

SchedulerSettings scheduler_settings(const config::Config& cfg) {
    auto count = [&](const config::ParamSpec& p) { return static_cast<std::size_t>(cfg.get_int(p)); };
    auto millis = [&](const config::ParamSpec& p) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(cfg.get_time(p));
    };
    SchedulerSettings s;
    s.initial_concurrency = count(config::kInitialDestinationConcurrency);
    s.failed_cohort_limit = static_cast<double>(cfg.get_int(config::kDefaultDestinationConcurrencyFailedCohortLimit));
    s.transport_limit = count(config::kDefaultProcessLimit);
    s.dead_time = cfg.get_time(config::kMinimalBackoffTime);
    const DestinationLimits local{count(config::kLocalDestinationConcurrencyLimit),
                                  millis(config::kDefaultDestinationRateDelay)};
    const DestinationLimits smtp{count(config::kSmtpDestinationConcurrencyLimit),
                                 millis(config::kSmtpDestinationRateDelay)};
    const DestinationLimits other{count(config::kDefaultDestinationConcurrencyLimit),
                                  millis(config::kDefaultDestinationRateDelay)};
    s.limits = [local, smtp, other](const std::string& transport) {
        return transport == "local" ? local : transport == "smtp" ? smtp : other;
    };
    return s;
}

}  // namespace tern::qmgr
