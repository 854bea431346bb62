#include "qmgr/dmarc_reports.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <ctime>

#include "libmail/config/params_dmarc.h"
#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/queue/queue_writer.h"

namespace tern::qmgr {

namespace {

constexpr std::chrono::minutes kTick(5);

// One report message into incoming/, as qmgr queues its notices.
Result<void> queue_report(const std::string& queue_dir, const std::string& sender,
                          const std::vector<std::string>& recipients, const std::string& content) {
    auto w = queue::QueueWriter::create(queue_dir);
    if (!w) return w.error();
    timeval now{};
    ::gettimeofday(&now, nullptr);
    queue::Envelope env;
    env.arrival_sec = now.tv_sec;
    env.arrival_usec = static_cast<std::int32_t>(now.tv_usec);
    env.sender = sender;
    env.attrs.emplace_back("protocol", "local");
    for (const auto& r : recipients) env.recipients.push_back({r, "", 0});
    if (auto r = w->write_envelope(env); !r) return r.error();
    if (auto r = w->write_content(content); !r) return r.error();
    auto id = w->commit();
    if (!id) return id.error();
    log::info("%s: DMARC aggregate report from=<%s>, %zu recipient(s)", id->c_str(), sender.c_str(), recipients.size());
    return {};
}

}  // namespace

Result<std::unique_ptr<DmarcReporter>> DmarcReporter::create(event_base* base, const config::Config& cfg,
                                                             std::string queue_dir, std::function<void()> queued) {
    std::unique_ptr<DmarcReporter> r(new DmarcReporter());
    r->base_ = base;
    r->queue_dir_ = std::move(queue_dir);
    r->queued_ = std::move(queued);
    r->settings_.directory = cfg.get(config::kDmarcReportDirectory);
    r->settings_.org_name = cfg.get(config::kDmarcReportOrgName);
    r->settings_.sender = cfg.get(config::kDmarcReportSender);
    r->interval_ = cfg.get_time(config::kDmarcReportInterval);
    auto psl = dmarc::PublicSuffixLoader::create(cfg.get(config::kDmarcPublicSuffixList));
    if (!psl) return Error("dmarc_public_suffix_list: " + psl.error().message);
    r->psl_ = std::move(*psl);
    // The resolver (libunbound: about 0.5 MB once set up) is made at the
    // first report run; smtpd, which makes one at start from the same
    // parameters, already refuses a bad dns_ setting.
    r->dns_options_ = dns::Options::from_config(cfg);
    return r;
}

void DmarcReporter::start() {
    // The first period starts now when there was none before.
    struct stat st{};
    if (::stat(stamp_path().c_str(), &st) != 0)
        if (auto w = write_file_atomic(stamp_path(), ""); !w)
            log::warning("DMARC reports: %s", w.error().message.c_str());
    tick_.reset(event_new(base_, -1, EV_PERSIST, &DmarcReporter::on_tick, this));
    const timeval tv{static_cast<time_t>(std::chrono::seconds(kTick).count()), 0};
    evtimer_add(tick_.get(), &tv);
}

void DmarcReporter::on_tick(evutil_socket_t, short, void* self) noexcept {
    auto* r = static_cast<DmarcReporter*>(self);
    struct stat st{};
    if (::stat(r->stamp_path().c_str(), &st) == 0 && std::time(nullptr) - st.st_mtime < r->interval_.count()) return;
    r->run_now();
}

void DmarcReporter::run_now() {
    if (run_) return;
    const dmarc::PublicSuffixList* psl = psl_->get();  // built at the first run
    if (!psl) return;  // said in the log by the loader
    if (!resolver_) {
        auto res = dns::Resolver::create(base_, dns_options_);
        if (!res) {
            log::warning("DMARC reports: %s", res.error().message.c_str());
            return;
        }
        resolver_ = std::move(*res);
    }
    settings_.now = std::time(nullptr);
    auto queue = [this](const std::string& sender, const std::vector<std::string>& rcpts, const std::string& content) {
        return queue_report(queue_dir_, sender, rcpts, content);
    };
    run_ = dmarc::run_reports(*resolver_, *psl, settings_, queue, [this](const dmarc::RunSummary& s) {
        for (const auto& e : s.errors) log::warning("DMARC reports: %s", e.c_str());
        log::info("DMARC reports: %zu evaluations, %zu domains, %zu messages queued", s.entries, s.reports,
                  s.messages);
        if (auto w = write_file_atomic(stamp_path(), ""); !w) log::warning("DMARC reports: %s", w.error().message.c_str());
        if (s.messages > 0 && queued_) queued_();
        // Freed on the next loop turn, off the run's own call stack.
        auto* spent = run_.release();
        event_base_once(base_, -1, EV_TIMEOUT, [](evutil_socket_t, short, void* p) {
            delete static_cast<dmarc::ReportRun*>(p);
        }, spent, nullptr);
    });
}

}  // namespace tern::qmgr
