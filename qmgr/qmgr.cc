#include "qmgr/qmgr.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>

#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/dsn/report_writer.h"
#include "libmail/queue/delivery_log.h"
#include "libmail/queue/queue_dirs.h"
#include "qmgr/retry.h"

namespace tern::qmgr {

namespace {

constexpr std::size_t kMaxStatusFileBytes = 1024 * 1024;  // defer/ and bounce/ logs per message
constexpr std::size_t kMaxTriggerBytes = 64;
constexpr std::size_t kJobsKeepingFiles = 64;  // jobs that keep their queue file open between reading it and delivering
constexpr std::chrono::seconds kAgentDownRetry{60};

constexpr const char* kDelayWarnedMark = "delay_warning=sent";

// Appends a line to a per-message log (defer/<id>, bounce/<id>), bounded.
void append_raw(const std::string& path, const std::string& line) {
    struct stat st{};
    if (::stat(path.c_str(), &st) == 0 && static_cast<std::size_t>(st.st_size) > kMaxStatusFileBytes) return;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (!fd) {
        log::warning("open %s: %m", path.c_str());
        return;
    }
    if (auto r = write_all(fd.get(), line); !r) log::warning("%s: %s", path.c_str(), r.error().message.c_str());
}

// Appends one "recipient=...\treason=..." line to defer/<id> or bounce/<id>.
void append_status(const std::string& path, const std::string& rcpt, const std::string& dsn, const std::string& reason) {
    append_raw(path, "recipient=" + rcpt + "\tdsn=" + dsn + "\treason=" + printable(reason, 500) + "\n");
}

}  // namespace

QueueManager::QueueManager(event_base* base, std::string queue_dir, Settings s)
    : base_(base),
      queue_dir_(std::move(queue_dir)),
      s_(std::move(s)),
      router_(s_.local_domains, s_.relayhost, std::move(s_.transport_maps)),
      scheduler_(
          base, s_.scheduler, [this](Delivery* d) { send(*d->job, *d); },
          [this](Delivery* d, const std::string& dsn, const std::string& reason) {
              settle(*d->job, *d, nullptr, reason, dsn);
          }) {
    reaper_.reset(event_new(base_, -1, 0, on_reap, this));
    periodic_.reset(event_new(base_, -1, EV_PERSIST, on_periodic, this));
    const timeval every{static_cast<time_t>(s_.queue_run_delay.count()), 0};
    event_add(periodic_.get(), &every);
}

void QueueManager::on_periodic(evutil_socket_t, short, void* ctx) noexcept {
    auto* self = static_cast<QueueManager*>(ctx);
    self->scan_incoming();
    self->scan_deferred(false);
    self->pump();
}

void QueueManager::accept_trigger(UniqueFd fd) {
    const int raw = fd.get();
    EventPtr ev(event_new(base_, raw, EV_READ | EV_PERSIST, on_trigger_read, this));
    event_add(ev.get(), nullptr);
    (void)fd.release();  // owned by the event entry from now on; closed in on_trigger_read
    trigger_conns_.emplace(raw, std::move(ev));
}

void QueueManager::on_trigger_read(evutil_socket_t fd, short, void* ctx) noexcept {
    auto* self = static_cast<QueueManager*>(ctx);
    char buf[kMaxTriggerBytes];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
        // Several identical triggers mean one scan.
        bool seen[256] = {};
        for (ssize_t i = 0; i < n; ++i) seen[static_cast<unsigned char>(buf[i])] = true;
        for (int c = 0; c < 256; ++c)
            if (seen[c]) self->on_trigger(static_cast<char>(c));
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    self->trigger_conns_.erase(fd);  // frees the event first
    ::close(fd);
}

void QueueManager::on_trigger(char code) {
    switch (code) {
    case ipc::kTriggerIncoming:
        scan_incoming();
        break;
    case ipc::kTriggerFlush:
        scheduler_.revive_all();  // the admin says the sites are back: no waiting out a dead mark
        scan_incoming();
        scan_deferred(true);
        break;
    case ipc::kTriggerScan:
        scan_incoming();
        scan_deferred(false);
        break;
    case ipc::kTriggerDmarcReports:
        if (reporter_) reporter_->run_now();
        else log::warning("DMARC aggregate reports are off (smtpd_dmarc_checks, dmarc_aggregate_reports)");
        return;
    default:
        log::warning("unknown trigger code %d", static_cast<unsigned char>(code));
        return;
    }
    pump();
}

void QueueManager::enqueue(const std::string& id) {
    if (!known_.insert(id).second) return;
    waiting_.push_back(id);
}

// Every message in active/ is read into memory (qmgr_message_active_limit
// bounds how many) and its deliveries are handed to the scheduler.
void QueueManager::pump() {
    while (!waiting_.empty()) {
        const std::string id = waiting_.front();
        waiting_.pop_front();
        begin(id);
    }
}

void QueueManager::begin(const std::string& id) {
    const std::string path = queue::queue_path(queue_dir_, "active", id);
    auto job = std::make_unique<Job>();
    job->id = id;
    job->started = std::chrono::steady_clock::now();
    if (struct stat st{}; ::lstat(path.c_str(), &st) == 0 && queue::is_spare_mode(st.st_mode)) {
        // Marked a spare by retire, then a crash before its rename into
        // incoming/: the message had left the queue already.
        log::info("%s: a spare left in active/ by a crash: a spare again", id.c_str());
        if (auto r = spares_.retire("active", id); !r) log::warning("%s", r.error().message.c_str());
        known_.erase(id);
        return;
    }
    job->fd.reset(::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
    if (!job->fd) {
        log::warning("%s: open %s: %m", id.c_str(), path.c_str());
        known_.erase(id);
        return;
    }
    auto qf = queue::read_queue_file(job->fd.get(), path);
    auto seal = qf ? queue::check_seal(job->fd.get(), *qf, id, path) : Result<queue::SealCheck>(qf.error());
    if (seal && *seal == queue::SealCheck::OtherMessage) {
        // A spare whose new message was never finished (a crash cut its
        // write short, so it was never acknowledged): still a spare.
        log::warning("%s: written for %s, a message never finished: the file is a spare again", id.c_str(),
                     qf->seal_id.c_str());
        job->fd.reset();
        if (auto r = spares_.retire("active", id); !r) log::warning("%s", r.error().message.c_str());
        known_.erase(id);
        return;
    }
    if (seal && *seal == queue::SealCheck::Damaged) seal = Error(path + ": the bytes do not match the End record's seal");
    if (!seal) {
        // Kept for the admin, never deleted silently (DESIGN.md "corrupt/").
        log::warning("%s: %s: moving to corrupt/", id.c_str(), seal.error().message.c_str());
        job->fd.reset();
        if (auto r = queue::move_queue_file(queue_dir_, "active", "corrupt", id); !r)
            log::warning("%s", r.error().message.c_str());
        known_.erase(id);
        return;
    }
    job->qf = std::move(*qf);
    const auto& env = job->qf.env;
    log::info("%s: from=<%s>, size=%llu, nrcpt=%zu (queue active)", id.c_str(), env.sender.c_str(),
              static_cast<unsigned long long>(job->qf.file_size), env.recipients.size());

    const auto age = std::chrono::seconds(static_cast<long long>(queue::now_seconds()) - env.arrival_sec);
    Job* raw = job.get();
    jobs_.emplace(raw, std::move(job));
    std::vector<Bounce> bounces;
    for (std::size_t i = 0; i < env.recipients.size(); ++i) {
        auto& r = raw->qf.env.recipients[i];
        if (r.state != queue::RecipientState::Pending) continue;
        if (s_.maximal_lifetime.count() > 0 && age > s_.maximal_lifetime) {
            bounces.push_back(Bounce{i, "4.4.7", "message expired after maximal_queue_lifetime", "none",
                                     queue::RecipientState::Expired});
            continue;
        }
        auto route = router_.route(r.address);
        if (!route) {  // transport_maps unreadable: wait, never guess a route
            log::warning("%s: %s", id.c_str(), route.error().message.c_str());
            defer_recipient(*raw, r, "4.3.0", "mail routing table lookup failure", "none");
            continue;
        }
        if (route->transport == "error") {  // transport(5) "error:text": a configured refusal
            bounces.push_back(Bounce{i, "5.0.0",
                                     route->nexthop.empty() ? "mail for this address is refused" : route->nexthop,
                                     "none", queue::RecipientState::Bounced});
            continue;
        }
        auto same = std::find_if(raw->deliveries.begin(), raw->deliveries.end(),
                                 [&](const auto& d) { return d->route == *route; });
        if (same == raw->deliveries.end()) {
            raw->deliveries.push_back(std::make_unique<Delivery>());
            raw->deliveries.back()->job = raw;
            raw->deliveries.back()->route = *route;
            same = std::prev(raw->deliveries.end());
        }
        (*same)->rcpts.push_back(i);
    }
    bounce_recipients(*raw, bounces);
    raw->unanswered = raw->deliveries.size();
    if (raw->deliveries.empty()) {
        finish(*raw);
        return;
    }
    // A few jobs keep their file open for the delivery that goes out next
    // (no open() again); beyond that a waiting job holds no descriptor.
    if (jobs_.size() > kJobsKeepingFiles) raw->fd.reset();
    for (auto& d : raw->deliveries) scheduler_.add(d->route, d.get());
}

// The queue file, opened again when needed (-1 if it cannot be: the
// recipient states then stay Pending, and are tried again, never lost).
int QueueManager::job_fd(Job& job) {
    if (!job.fd) {
        const std::string path = queue::queue_path(queue_dir_, "active", job.id);
        job.fd.reset(::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
        if (!job.fd) log::warning("%s: open %s: %m", job.id.c_str(), path.c_str());
    }
    return job.fd.get();
}

// One request to the delivery agent of d's transport (Postfix's delivery
// request: the queue file, the sender, the recipients and their indexes).
void QueueManager::send(Job& job, Delivery& d) {
    d.started = true;
    ++job.out;
    (void)job_fd(job);  // held while the agent works, so settling needs no open()
    const std::string path = queue::queue_path(queue_dir_, "active", job.id);
    ipc::AttrList req{{"request", "deliver"}, {"queue_id", job.id}, {"path", path}, {"sender", job.qf.env.sender},
                      {"nexthop", d.route.nexthop}};
    for (std::size_t i : d.rcpts) {
        req.add("rcpt", job.qf.env.recipients[i].address);
        req.add("rcpt_index", std::to_string(i));
    }
    transmit(job, d, req, false);
}

// Connections to an agent stay open between deliveries (no connect or
// accept per message); as many stay idle as deliveries ran at once, up to this.
constexpr std::size_t kIdleAgentConnections = 32;

ipc::ChannelPool& QueueManager::agent_pool(const std::string& transport) {
    auto& pool = agents_[transport];
    if (!pool)
        pool = std::make_unique<ipc::ChannelPool>(base_, ipc::service_path(queue_dir_, true, transport),
                                                  kIdleAgentConnections);
    return *pool;
}

void QueueManager::transmit(Job& job, Delivery& d, const ipc::AttrList& req, bool fresh) {
    const std::string agent = d.route.transport;
    auto& pool = agent_pool(agent);
    auto lease = pool.take(fresh);
    if (!lease) {
        job.agent_unreachable = true;
        settle(job, d, nullptr, agent + " delivery agent unavailable: " + lease.error().message);
        return;
    }
    Job* jp = &job;
    Delivery* dp = &d;
    const bool reused = lease->reused;
    d.channel = std::move(lease->chan);
    d.channel->on_message([this, jp, dp, &pool](ipc::AttrList&& reply) {
        if (dp->answered) return;
        pool.give_back(std::move(dp->channel));  // one answer per request: the connection is free again
        settle(*jp, *dp, &reply, {});
    });
    d.channel->on_close([this, jp, dp, agent, reused, req](const std::string& why) {
        if (dp->answered) return;
        if (reused && !dp->resent) {
            // A kept connection the agent closed (it exited, or master restarted it)
            // most likely before it read the request: ask a new process once.
            dp->resent = true;
            graveyard_channels_.push_back(std::move(dp->channel));
            event_active(reaper_.get(), EV_TIMEOUT, 0);
            transmit(*jp, *dp, req, true);
            return;
        }
        settle(*jp, *dp, nullptr, "lost connection with " + agent + " (" + why + ")");
    });
    d.channel->send(req);
}

void QueueManager::settle(Job& job, Delivery& d, const ipc::AttrList* reply, const std::string& failure,
                          const std::string& failure_dsn) {
    d.answered = true;
    if (d.started) {
        --job.out;
        Feedback f;  // a reply without a hop status: the destination works, whatever the recipients' fate
        if (!reply) {
            f.kind = Feedback::Kind::Neutral;  // the agent died or is down: nothing learned about the destination
        } else if (auto hop = reply->get("hop_status")) {
            f.kind = Feedback::Kind::HopFailure;
            f.dsn = std::string(*hop);
            f.reason = reply->get_or("hop_reason", "");
        }
        scheduler_.done(d.route, f);
    }
    auto& rcpts = job.qf.env.recipients;
    const char* relay = "none";  // what no agent answered for was not handed to a relay
    std::vector<bool> answered(rcpts.size(), false);
    std::vector<Bounce> bounces;
    std::vector<Sent> sent;
    if (reply) {
        const auto idx = reply->get_all("rcpt_index");
        const auto status = reply->get_all("status");
        const auto dsn = reply->get_all("dsn");
        const auto reason = reply->get_all("reason");
        const auto relays = reply->get_all("relay");  // smtp: "host[addr]:port" per recipient
        const auto actions = reply->get_all("action");  // delivered | relayed | "" (passed on with the DSN request)
        const auto diagnostics = reply->get_all("diagnostic");  // smtp: "smtp; 550 5.1.1 ..." per recipient
        if (status.size() != idx.size() || dsn.size() != idx.size() || reason.size() != idx.size())
            log::panic("%s: malformed reply from %s", job.id.c_str(), d.route.transport.c_str());
        for (std::size_t k = 0; k < idx.size(); ++k) {
            auto i = parse_number<std::size_t>(idx[k]);
            if (!i || *i >= rcpts.size() || std::find(d.rcpts.begin(), d.rcpts.end(), *i) == d.rcpts.end())
                log::panic("%s: reply from %s names no recipient it was given", job.id.c_str(),
                           d.route.transport.c_str());
            auto& r = rcpts[*i];
            answered[*i] = true;
            const std::string d_code(dsn[k]), why(reason[k]);
            const std::string diagnostic = diagnostics.size() == idx.size() ? std::string(diagnostics[k]) : "";
            const std::string shown = relays.size() == idx.size() && !relays[k].empty() ? std::string(relays[k])
                                                                                         : d.route.transport;
            if (status[k] == "sent") {
                const std::string_view action = actions.size() == idx.size() ? actions[k] : std::string_view();
                sent.push_back(Sent{*i, action == "delivered" ? dsn::Action::Delivered : dsn::Action::Relayed,
                                    action == "delivered" || action == "relayed", d_code, why, shown, diagnostic});
            } else if (status[k] == "bounced") {
                bounces.push_back(Bounce{*i, d_code, why, shown, queue::RecipientState::Bounced, true, diagnostic});
            } else {
                defer_recipient(job, r, d_code, why, shown.c_str(), true, diagnostic);
            }
        }
    }
    // The last answer of a job, all of it deliveries: nothing stays Pending.
    bool last = job.unanswered == 1 && bounces.empty();
    for (std::size_t i = 0; last && i < rcpts.size(); ++i)
        if (rcpts[i].state == queue::RecipientState::Pending &&
            std::none_of(sent.begin(), sent.end(), [i](const Sent& x) { return x.index == i; }))
            last = false;
    mark_delivered(job, sent, last);
    bounce_recipients(job, bounces);
    // Anything the agent did not answer for is deferred (it died, or was unreachable).
    for (std::size_t i : d.rcpts)
        if (rcpts[i].state == queue::RecipientState::Pending && !answered[i])
            defer_recipient(job, rcpts[i], failure_dsn,
                            failure.empty() ? "no result from " + d.route.transport : failure, relay);
    if (--job.unanswered == 0) finish(job);
    else if (job.out == 0) job.fd.reset();  // the rest waits in the scheduler
}

namespace {

// diagnostic: the server's reply as the agent gave it; else our own reason text.
dsn::RecipientResult dsn_result(const std::string& address, dsn::Action action, const std::string& status,
                                const std::string& reason, const std::string& relay, const std::string& diagnostic,
                                std::time_t now) {
    dsn::RecipientResult r;
    r.address = address;
    r.action = action;
    r.status = status;
    const bool remote = relay.find('[') != std::string::npos;
    r.diagnostic = diagnostic.empty() ? "x-tern; " + reason : diagnostic;
    if (remote) r.remote_mta = relay.substr(0, relay.find('['));
    r.last_attempt = now;
    return r;
}

}  // namespace

// The deliveries are on disk or acknowledged remotely: recorded before
// anything else. A success notice (NOTIFY=SUCCESS: "delivered" by local,
// "relayed" to a server without DSN) is queued first, as for bounces; one
// that cannot be queued is logged, and the delivery stands.
void QueueManager::mark_delivered(Job& job, const std::vector<Sent>& sent, bool last) {
    auto& rcpts = job.qf.env.recipients;
    std::vector<dsn::RecipientResult> results;
    const std::time_t now = ::time(nullptr);
    for (const auto& x : sent)
        if (x.report && (rcpts[x.index].notify & queue::kNotifySuccess))
            results.push_back(dsn_result(rcpts[x.index].address, x.action, x.dsn, x.reason, x.relay, x.diagnostic, now));
    if (!results.empty()) {
        dsn::Settings ds = s_.dsn;
        ds.now = now;
        ds.original_queue_id = job.id;
        auto notices = dsn::queue_notices(queue_dir_, job_fd(job), job.qf, results, ds);
        if (!notices) {
            log::warning("%s: cannot queue the delivery status notification: %s", job.id.c_str(),
                         notices.error().message.c_str());
        } else {
            for (const auto& id : *notices)
                log::info("%s: sender delivery status notification: %s", job.id.c_str(), id.c_str());
            if (!notices->empty()) notices_queued_ = true;
        }
    }
    if (last) {
        // The file is unlinked right after (finish): writing and syncing each
        // state first would only protect against a crash in that instant,
        // which repeats the delivery that had just completed (invariant 3).
        for (const auto& x : sent) rcpts[x.index].state = queue::RecipientState::Delivered;
        job.states_unwritten = true;
        return;
    }
    for (const auto& x : sent) {
        auto& r = rcpts[x.index];
        if (auto w = queue::set_recipient_state(job_fd(job), r, queue::RecipientState::Delivered); !w) {
            log::warning("%s: %s", job.id.c_str(), w.error().message.c_str());
            continue;  // stays Pending: delivered once more later, never lost
        }
        r.state = queue::RecipientState::Delivered;
    }
}

// The notice to the sender is queued (and on disk) before any recipient is
// marked Bounced: a crash in between sends it twice, never not at all. If it
// cannot be queued, the recipients stay Pending and are deferred.
void QueueManager::bounce_recipients(Job& job, const std::vector<Bounce>& bounces) {
    if (bounces.empty()) return;
    auto& rcpts = job.qf.env.recipients;
    std::vector<dsn::RecipientResult> results;
    const std::time_t now = ::time(nullptr);
    for (const auto& b : bounces)
        results.push_back(
            dsn_result(rcpts[b.index].address, dsn::Action::Failed, b.dsn, b.reason, b.relay, b.diagnostic, now));
    dsn::Settings ds = s_.dsn;
    ds.now = now;
    ds.original_queue_id = job.id;
    auto notices = dsn::queue_notices(queue_dir_, job_fd(job), job.qf, results, ds);
    if (!notices) {
        log::warning("%s: cannot queue the delivery status notice: %s", job.id.c_str(),
                     notices.error().message.c_str());
        for (const auto& b : bounces)
            defer_recipient(job, rcpts[b.index], "4.3.0", "cannot queue the bounce notice", b.relay.c_str(), b.logged);
        return;
    }
    for (const auto& id : *notices)
        log::info("%s: sender non-delivery notification: %s", job.id.c_str(), id.c_str());
    for (const auto& b : bounces) {
        auto& r = rcpts[b.index];
        append_status(queue::queue_path(queue_dir_, "bounce", job.id), r.address, b.dsn, b.reason);
        if (auto w = queue::set_recipient_state(job_fd(job), r, b.state); !w) {
            log::warning("%s: %s", job.id.c_str(), w.error().message.c_str());
            continue;  // stays Pending: tried again (and reported again), never lost
        }
        r.state = b.state;
        if (!b.logged)
            log_recipient(job, r, b.relay.c_str(), b.dsn,
                          b.state == queue::RecipientState::Expired ? "expired" : "bounced", b.reason);
    }
    if (!notices->empty()) notices_queued_ = true;
}

void QueueManager::defer_recipient(Job& job, queue::Recipient& r, const std::string& dsn, const std::string& reason,
                                   const char* relay, bool logged, const std::string& diagnostic) {
    append_status(queue::queue_path(queue_dir_, "defer", job.id), r.address, dsn, reason);
    if (!logged) log_recipient(job, r, relay, dsn, "deferred", reason);
    const auto index = static_cast<std::size_t>(&r - job.qf.env.recipients.data());
    job.deferred.push_back(Bounce{index, dsn, reason, relay, queue::RecipientState::Pending, logged, diagnostic});
}

// delay_warning_time (Postfix): once a message has waited that long, its
// sender hears once which recipients are still being tried. The "sent" mark
// goes into defer/<id>, which lives exactly as long as the message.
void QueueManager::maybe_warn_delay(Job& job, std::chrono::seconds age) {
    if (s_.delay_warning.count() == 0 || age < s_.delay_warning || job.deferred.empty()) return;
    const std::string log_path = queue::queue_path(queue_dir_, "defer", job.id);
    if (auto text = read_file(log_path, kMaxStatusFileBytes); text && text->find(kDelayWarnedMark) != std::string::npos)
        return;
    std::vector<dsn::RecipientResult> results;
    const std::time_t now = ::time(nullptr);
    for (const auto& d : job.deferred) {
        dsn::RecipientResult r;
        r.address = job.qf.env.recipients[d.index].address;
        r.action = dsn::Action::Delayed;
        r.status = d.dsn;
        r.diagnostic = d.diagnostic.empty() ? "x-tern; " + d.reason : d.diagnostic;
        r.last_attempt = now;
        results.push_back(std::move(r));
    }
    dsn::Settings ds = s_.dsn;
    ds.now = now;
    ds.original_queue_id = job.id;
    if (s_.maximal_lifetime.count() > 0) ds.will_retry_until = job.qf.env.arrival_sec + s_.maximal_lifetime.count();
    auto notices = dsn::queue_notices(queue_dir_, job_fd(job), job.qf, results, ds);
    if (!notices) {
        log::warning("%s: cannot queue the delay notice: %s", job.id.c_str(), notices.error().message.c_str());
        return;  // tried again at the next deferral
    }
    for (const auto& id : *notices) log::info("%s: sender delay notification: %s", job.id.c_str(), id.c_str());
    append_raw(log_path, std::string(kDelayWarnedMark) + "\n");
    if (!notices->empty()) notices_queued_ = true;
}

// A result qmgr decided itself (expiry, suspension, routing), in the agents' line shape.
void QueueManager::log_recipient(const Job& job, const queue::Recipient& r, const char* relay, const std::string& dsn,
                                 const char* status, const std::string& text) const {
    const auto& env = job.qf.env;
    const double arrival = static_cast<double>(env.arrival_sec) + env.arrival_usec / 1e6;
    queue::Delays delays;
    delays.in_qmgr = std::chrono::duration<double>(std::chrono::steady_clock::now() - job.started).count();
    delays.before_active = std::max(0.0, queue::now_seconds() - arrival - delays.in_qmgr);
    queue::log_recipient_result(job.id, r.address, relay, delays, dsn, status, text);
}

void QueueManager::write_delivered_states(Job& job) {
    for (auto& r : job.qf.env.recipients)
        if (r.state == queue::RecipientState::Delivered)
            if (auto w = queue::set_recipient_state(job_fd(job), r, r.state); !w)
                log::warning("%s: %s", job.id.c_str(), w.error().message.c_str());
}

void QueueManager::finish(Job& job) {
    const auto& env = job.qf.env;
    if (disposition(env.recipients) == Disposition::Remove) {
        // Every recipient is settled (DESIGN.md invariant 2): the message leaves the queue.
        if (auto r = spares_.retire("active", job.id); !r) {  // its file becomes a spare, or is unlinked
            log::warning("%s: %s", job.id.c_str(), r.error().message.c_str());
            if (job.states_unwritten) write_delivered_states(job);  // so a restart does not deliver again
        }
        job.fd.reset();
        ::unlink(queue::queue_path(queue_dir_, "defer", job.id).c_str());
        ::unlink(queue::queue_path(queue_dir_, "bounce", job.id).c_str());
        log::info("%s: removed", job.id.c_str());
    } else {
        const auto age = std::chrono::seconds(static_cast<long long>(queue::now_seconds()) - env.arrival_sec);
        maybe_warn_delay(job, age);  // before the file leaves active/: the notice copies its headers
        auto wait = next_backoff(age, s_.minimal_backoff, s_.maximal_backoff);
        // An agent down (being restarted by master): retry soon; the message is kept either way.
        if (job.agent_unreachable) wait = std::min(wait, kAgentDownRetry);
        const std::string path = queue::queue_path(queue_dir_, "active", job.id);
        // The retry time is the file's mtime in deferred/ (as in Postfix).
        const timeval times[2] = {{static_cast<time_t>(::time(nullptr)), 0},
                                  {static_cast<time_t>(::time(nullptr) + wait.count()), 0}};
        if (::utimes(path.c_str(), times) != 0) log::warning("%s: utimes: %m", job.id.c_str());
        job.fd.reset();
        if (auto r = queue::rename_queue_file(queue_dir_, "active", "deferred", job.id); !r)
            log::warning("%s: %s", job.id.c_str(), r.error().message.c_str());
    }
    known_.erase(job.id);
    retire(&job);
    if (notices_queued_) {  // the notices are new mail in incoming/
        notices_queued_ = false;
        scan_incoming();
    }
    pump();
}

void QueueManager::retire(Job* job) {
    auto node = jobs_.extract(job);
    if (node.empty()) return;
    graveyard_.push_back(std::move(node.mapped()));  // freed off the channel's call stack
    event_active(reaper_.get(), EV_TIMEOUT, 0);
}

void QueueManager::on_reap(evutil_socket_t, short, void* ctx) noexcept {
    auto* self = static_cast<QueueManager*>(ctx);
    self->graveyard_.clear();
    self->graveyard_channels_.clear();
}

}  // namespace tern::qmgr
