// QueueManager: qmgr's whole state. It moves new mail from incoming/ to
// active/, groups each message's recipients by route (routing.h) and sends
// each group to its delivery agent (private/local, private/smtp, ...), settles
// each recipient in place in the queue file (DESIGN.md invariant 2), and puts
// messages with unsettled recipients in deferred/ with their retry time as
// the file's mtime. Triggers on public/qmgr (fd 3) and a periodic scan drive it.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "libmail/core/unique_fd.h"
#include "libmail/event/event_ptrs.h"
#include "libmail/ipc/attr_channel.h"
#include "libmail/ipc/channel_pool.h"
#include "libmail/queue/queue_file.h"
#include "libmail/queue/spare_files.h"
#include "libmail/dsn/notice.h"
#include "libmail/maps/map.h"
#include "libmail/server/server.h"
#include "qmgr/dmarc_reports.h"
#include "qmgr/routing.h"
#include "qmgr/scheduler.h"

namespace tern::qmgr {

struct Settings {
    std::chrono::seconds queue_run_delay{300};
    std::chrono::seconds minimal_backoff{300};
    std::chrono::seconds maximal_backoff{4000};
    std::chrono::seconds maximal_lifetime{5 * 86400};
    std::chrono::seconds delay_warning{0};  // 0: no delay notices
    std::size_t active_limit = 20000;
    SchedulerSettings scheduler;
    std::vector<std::string> local_domains;
    std::string relayhost;
    std::unique_ptr<maps::MapList> transport_maps;
    dsn::Settings dsn;
};

struct Job;

// The recipients of one message that go to one agent and nexthop. It waits in
// the scheduler until its destination has room, then goes to the agent.
struct Delivery {
    Job* job = nullptr;
    Route route;
    std::vector<std::size_t> rcpts;               // indexes into the envelope's recipients
    std::unique_ptr<ipc::AttrChannel> channel;   // to the agent, while it works on this
    bool resent = false;    // a kept connection closed unanswered: sent once more on a new one
    bool started = false;   // sent to the agent: its end is the scheduler's feedback
    bool answered = false;
};

// One message being delivered.
struct Job {
    std::string id;
    UniqueFd fd;                     // open while deliveries are out (job_fd), so waiting jobs hold no descriptor
    queue::QueueFile qf;
    std::chrono::steady_clock::time_point started;
    std::vector<std::unique_ptr<Delivery>> deliveries;
    std::size_t unanswered = 0;      // deliveries not settled yet (waiting or out)
    std::size_t out = 0;             // deliveries at their agent now
    bool agent_unreachable = false;  // retried after kAgentDownRetry, not a full backoff
    bool states_unwritten = false;   // the last deliveries settled it: the unlink records them (finish)
    struct Deferred {
        std::size_t index;
        std::string dsn, reason, relay;
        queue::RecipientState state;
        bool logged = false;     // the delivery agent has logged this result
        std::string diagnostic{};  // the agent's Diagnostic-Code ("smtp; 550 ..."); "": from reason
    };
    std::vector<Deferred> deferred;  // this round's deferrals, for a delay notice
};

class QueueManager {
public:
    QueueManager(event_base* base, std::string queue_dir, Settings s);
    void start();                       // pick up active/ (a crash's leftovers), then incoming/
    void on_trigger(char code);         // a byte from public/qmgr
    void accept_trigger(UniqueFd fd);   // a connection on public/qmgr
    void set_reporter(std::unique_ptr<DmarcReporter> r) { reporter_ = std::move(r); }

private:
    void scan_incoming();
    void scan_deferred(bool all);
    void enqueue(const std::string& id);
    void pump();
    void begin(const std::string& id);
    int job_fd(Job& job);
    void send(Job& job, Delivery& d);
    void transmit(Job& job, Delivery& d, const ipc::AttrList& req, bool fresh);
    ipc::ChannelPool& agent_pool(const std::string& transport);
    void settle(Job& job, Delivery& d, const ipc::AttrList* reply, const std::string& failure,
                const std::string& failure_dsn = "4.3.0");
    void finish(Job& job);
    void defer_recipient(Job& job, queue::Recipient& r, const std::string& dsn, const std::string& reason,
                         const char* relay, bool logged = false, const std::string& diagnostic = "");
    using Bounce = Job::Deferred;  // index into the envelope, dsn, reason, relay, the state to set
    void bounce_recipients(Job& job, const std::vector<Bounce>& bounces);
    struct Sent {
        std::size_t index;
        dsn::Action action;
        bool report;  // a success notice is due when NOTIFY asks for one
        std::string dsn, reason, relay, diagnostic;
    };
    // last: these deliveries settle the last Pending recipients of a job
    // that is finished right after, so the unlink is their record.
    void mark_delivered(Job& job, const std::vector<Sent>& sent, bool last);
    void write_delivered_states(Job& job);
    void maybe_warn_delay(Job& job, std::chrono::seconds age);
    void log_recipient(const Job& job, const queue::Recipient& r, const char* relay, const std::string& dsn,
                       const char* status, const std::string& text) const;
    void retire(Job* job);
    static void on_periodic(evutil_socket_t, short, void* ctx) noexcept;
    static void on_reap(evutil_socket_t, short, void* ctx) noexcept;
    static void on_trigger_read(evutil_socket_t fd, short, void* ctx) noexcept;

    event_base* base_;
    std::string queue_dir_;
    Settings s_;
    Router router_;
    Scheduler scheduler_;
    std::deque<std::string> waiting_;             // in active/, not yet started
    std::set<std::string> known_;                 // waiting or in flight
    std::unordered_map<Job*, std::unique_ptr<Job>> jobs_;
    std::vector<std::unique_ptr<Job>> graveyard_;
    std::vector<std::unique_ptr<ipc::AttrChannel>> graveyard_channels_;  // closed, freed off their callbacks
    std::unordered_map<int, EventPtr> trigger_conns_;
    bool notices_queued_ = false;                 // notices went into incoming/: scan it soon
    EventPtr periodic_;
    EventPtr reaper_;
    std::unique_ptr<DmarcReporter> reporter_;     // null: no DMARC aggregate reports
    std::unordered_map<std::string, std::unique_ptr<ipc::ChannelPool>> agents_;  // per transport
    queue::SpareKeeper spares_{queue_dir_};
};

}  // namespace tern::qmgr
