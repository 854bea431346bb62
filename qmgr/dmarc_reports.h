// DMARC aggregate reports (RFC 7489 7.2), sent by qmgr: once per
// dmarc_report_interval, or at once on the 'D' trigger (tern dmarc
// send-reports), the evaluations smtpd recorded since the last run become one
// report per policy domain (libmail/dmarc/report_send.h), queued into
// incoming/ like a bounce. The time of the last run is the mtime of
// "last-run" in dmarc_report_directory, so a restarted qmgr keeps the rhythm.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "libmail/config/config.h"
#include "libmail/dmarc/public_suffix.h"
#include "libmail/dmarc/report_send.h"
#include "libmail/dns/resolver.h"
#include "libmail/event/event_ptrs.h"

namespace tern::qmgr {

class DmarcReporter {
public:
    // queued runs after reports were written into incoming/ (qmgr scans it).
    // Errors: the Public Suffix List or the resolver cannot be set up.
    [[nodiscard]] static Result<std::unique_ptr<DmarcReporter>> create(event_base* base, const config::Config& cfg,
                                                                       std::string queue_dir,
                                                                       std::function<void()> queued);
    // Starts the timer that checks, every few minutes, whether a run is due.
    void start();
    // A run now, unless one is under way.
    void run_now();

private:
    DmarcReporter() = default;
    static void on_tick(evutil_socket_t, short, void* self) noexcept;
    std::string stamp_path() const { return settings_.directory + "/last-run"; }

    event_base* base_ = nullptr;
    std::string queue_dir_;
    dmarc::ReportSettings settings_;
    std::chrono::seconds interval_{86400};
    dns::Options dns_options_;
    std::unique_ptr<dns::Resolver> resolver_;  // made at the first run
    std::shared_ptr<dmarc::PublicSuffixLoader> psl_;
    std::function<void()> queued_;
    std::unique_ptr<dmarc::ReportRun> run_;
    EventPtr tick_;
};

}  // namespace tern::qmgr
