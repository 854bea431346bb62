// Sender authentication of one inbound message (DESIGN.md "Sender
// authentication"): SPF once MAIL FROM is known, DKIM verification while the
// message streams in (as a cleanup observer), DMARC once it has ended; then
// the Authentication-Results and Received-SPF fields to prepend and what the
// DMARC policy says to do with the message. smtpd uses it for clients that
// are neither authenticated nor in mynetworks; `tern dmarc check` feeds it a
// message file.
#pragma once

#include <event2/event.h>

#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libmail/cleanup/cleanup.h"
#include "libmail/config/config.h"
#include "libmail/core/result.h"
#include "libmail/dkim/verifier.h"
#include "libmail/dmarc/check.h"
#include "libmail/dmarc/public_suffix.h"
#include "libmail/dmarc/report_log.h"
#include "libmail/dns/resolver.h"
#include "libmail/event/event_ptrs.h"
#include "libmail/smtp/reply.h"
#include "libmail/spf/check.h"
#include "libmail/spf/policy.h"

namespace tern::authres {

// What smtpd does when DMARC says reject or quarantine, or cannot evaluate
// (dmarc_reject_action, dmarc_quarantine_action, dmarc_permerror_action).
enum class DmarcAction { Reject, Junk, Hold, Ignore };

// The checks' settings, read once per process.
struct SenderAuthConfig {
    bool spf = true, spf_helo = false, dkim = true, dmarc = true;
    spf::PolicyConfig spf_policy;
    dkim::VerifyOptions dkim_options;
    DmarcAction on_reject = DmarcAction::Reject;
    DmarcAction on_quarantine = DmarcAction::Junk;
    DmarcAction on_permerror = DmarcAction::Ignore;
    std::string authserv_id;   // authserv_id: our name in Authentication-Results
    std::string receiver;      // myhostname, for SPF's %{r} and Received-SPF
    std::shared_ptr<dmarc::PublicSuffixLoader> psl;      // needed when dmarc is on
    std::shared_ptr<dmarc::ReportLog> reports;           // null: aggregate reports off
    dmarc::Percent percent;    // pct sampling; empty: random

    bool any() const { return spf || dkim || dmarc; }
    // Errors name the parameter (a bad action word, an unreadable Public Suffix List).
    [[nodiscard]] static Result<SenderAuthConfig> from_config(const config::Config& cfg);
};

// The outcome for the message.
struct AuthVerdict {
    std::string prepend;                 // Authentication-Results, Received-SPF, maybe the quarantine mark
    std::optional<smtp::Reply> refuse;   // DMARC reject (550 5.7.1)
    bool hold = false;                   // dmarc_*_action = hold
    std::string summary;                 // "spf=pass dkim=pass dmarc=pass", for the log
};

class SenderAuth final : public cleanup::ContentObserver {
public:
    // cfg, base and resolver must outlive this object.
    SenderAuth(const SenderAuthConfig& cfg, event_base* base, dns::Resolver& resolver, std::string client_ip,
               std::string helo, std::string sender);
    ~SenderAuth() override;
    SenderAuth(const SenderAuth&) = delete;
    SenderAuth& operator=(const SenderAuth&) = delete;

    // Starts SPF. When the SPF policy may act on the result (an spf_*_action
    // other than ignore), decided gets the reply to refuse MAIL FROM with, or
    // nullopt; otherwise it gets nullopt at once. decided runs from the loop,
    // never inside this call, and may destroy this object.
    void start(std::function<void(std::optional<smtp::Reply>)> decided);

    // The message as queued (cleanup::ContentObserver).
    void header(std::string_view field) override;
    void end_of_headers() override;
    void body(std::string_view chunk) override;
    void end_of_body() override;

    // After the content ended: waits for SPF and DKIM, evaluates DMARC, and
    // gives the verdict. done runs once from the loop, never inside this
    // call, and may destroy this object.
    void finish(std::function<void(const AuthVerdict&)> done);

private:
    void spf_done(const spf::Outcome& o);
    void maybe_dmarc();
    void dmarc_done(const dmarc::Outcome& o);
    void conclude(std::optional<dmarc::Outcome> dm);
    void run_soon(std::function<void()> fn);
    static void on_soon(evutil_socket_t, short, void* self) noexcept;

    const SenderAuthConfig& cfg_;
    event_base* base_;
    dns::Resolver& resolver_;
    spf::Request request_;
    std::unique_ptr<spf::Check> spf_check_, helo_check_;
    std::optional<spf::Outcome> spf_, helo_;
    std::function<void(std::optional<smtp::Reply>)> spf_decided_;
    std::unique_ptr<dkim::Verifier> verifier_;
    bool dkim_done_ = true;
    std::vector<std::string> from_domains_;
    std::size_t from_fields_ = 0;
    std::unique_ptr<dmarc::Check> dmarc_check_;
    std::function<void(const AuthVerdict&)> done_;
    bool finishing_ = false, dmarc_started_ = false;
    EventPtr soon_ev_;
    std::function<void()> soon_;
};

// The domains of the addresses in one From field value (RFC 5322 3.6.2),
// lower case, without duplicates; addresses without a domain give "".
std::vector<std::string> from_domains(std::string_view from_value);

}  // namespace tern::authres
