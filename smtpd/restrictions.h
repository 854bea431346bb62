// Postfix's restriction lists for smtpd (smtpd_client_, _helo_, _sender_,
// _relay_, _recipient_ and _data_restrictions), the subset that matters.
// A list is read left to right: the first restriction that decides ends it.
// PERMIT ends only that list (the next list is still evaluated); REJECT or
// DEFER ends the whole evaluation with its reply. With smtpd_delay_reject
// (the default) client, HELO and sender lists run at RCPT, before the relay
// and recipient lists, as in Postfix (always: smtpd_delay_reject is not offered). Lookups that need DNS (reject_rbl_client,
// reject_unknown_*_domain) make an evaluation asynchronous; everything else
// is answered at once. Configuration errors name the parameter and the word.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/config/config.h"
#include "libmail/core/result.h"
#include "libmail/dns/resolver.h"
#include "libmail/maps/map.h"
#include "libmail/smtp/path.h"
#include "libmail/smtp/reply.h"
#include "smtpd/client_name.h"
#include "smtpd/policy.h"

namespace tern::smtpd {

enum class Stage { Client, Helo, Sender, Relay, Recipient, Data };

struct Restriction {
    enum class Kind {
        Permit, Reject, Defer,
        PermitMynetworks, PermitSaslAuthenticated, PermitAuthDestination, RejectUnauthDestination,
        RejectUnknownSenderDomain, RejectUnknownRecipientDomain,
        RejectNonFqdnSender, RejectNonFqdnRecipient, RejectNonFqdnHeloHostname, RejectInvalidHeloHostname,
        RejectUnlistedRecipient, RejectSenderLoginMismatch,
        CheckClientAccess, CheckHeloAccess, CheckSenderAccess, CheckRecipientAccess,
        RejectRblClient, RejectUnknownClientHostname, RejectUnknownReverseClientHostname,
    };
    Kind kind = Kind::Permit;
    std::string arg;                          // table spec, or DNSBL zone
    std::string rbl_filter;                   // reject_rbl_client zone=127.0.0.2: only that answer counts
    std::shared_ptr<maps::MapList> table;     // check_*_access
};

// What the client sent so far, for the restrictions to look at.
struct Facts {
    std::string client_address;
    std::string client_name = "unknown";           // forward-confirmed (smtpd/client_name.h)
    std::string reverse_client_name = "unknown";   // PTR only
    ClientNames::Status client_name_status = ClientNames::Status::NotFound;
    ClientNames::Status reverse_client_name_status = ClientNames::Status::NotFound;
    std::string helo;
    std::optional<smtp::Path> sender;         // after MAIL
    std::optional<smtp::Path> recipient;      // at RCPT
    std::string sasl_username;                // "" when not authenticated
};

// The end of an evaluation: no reply means the command is accepted.
struct Decision {
    std::optional<smtp::Reply> reject;
    std::string warning;                      // a configuration or lookup problem, for the log
};

class Restrictions {
public:
    // Reads the six lists, their tables, smtpd_sender_login_maps and the reply codes.
    [[nodiscard]] static Result<std::unique_ptr<Restrictions>> load(const config::Config& cfg);
    // From explicit lists (tests): stage -> restriction words, as in main.cf.
    [[nodiscard]] static Result<std::unique_ptr<Restrictions>> from_lists(
        const std::vector<std::pair<Stage, std::vector<std::string>>>& lists, const config::Config& cfg);

    const std::vector<Restriction>& list(Stage s) const { return lists_[static_cast<int>(s)]; }
    bool uses_dns() const { return uses_dns_; }

    struct Codes {
        int reject = 554, defer = 450, access_reject = 554, access_defer = 450, relay = 554;
        int unknown_address = 450, non_fqdn = 504, invalid_hostname = 501, rbl = 554, unknown_virtual = 550;
        int unknown_client = 450;
    };
    const Codes& codes() const { return codes_; }
    bool allow_untrusted_routing() const { return allow_untrusted_routing_; }
    bool reject_unlisted_recipient() const { return reject_unlisted_recipient_; }
    const std::string& null_access_key() const { return null_access_key_; }
    maps::MapList* sender_login_maps() const { return sender_login_maps_.get(); }

private:
    Restrictions() = default;
    [[nodiscard]] Result<void> parse(Stage stage, const std::string& param, const std::vector<std::string>& words);

    std::vector<Restriction> lists_[6];
    Codes codes_;
    bool uses_dns_ = false;
    bool allow_untrusted_routing_ = false;
    bool reject_unlisted_recipient_ = true;
    std::string null_access_key_ = "<>";
    std::shared_ptr<maps::MapList> sender_login_maps_;
};

// One evaluation of several lists in order (e.g. Client, Helo, Sender, Relay,
// Recipient at RCPT). run() returns the decision when no DNS was needed;
// otherwise nullopt, and done is called later from the event loop.
// Destroying the Evaluation cancels a pending lookup (no callback); it must
// not be destroyed inside done (defer that to the next loop turn).
class Evaluation {
public:
    using Done = std::function<void(const Decision&)>;
    Evaluation(const Restrictions& r, Policy& policy, dns::Resolver* resolver, Facts facts, std::vector<Stage> stages,
               Done done);
    std::optional<Decision> run();

private:
    // One restriction: Permit/Reject/Dunno now, or Wait for DNS.
    enum class Outcome { Dunno, Permit, Reject, Wait };
    Outcome apply(const Restriction& r, Stage stage);
    Outcome access(const Restriction& r, const std::vector<std::string>& keys, const std::string& shown,
                   const char* what);
    Outcome reply_from_access(std::string_view value, const std::string& shown, const char* what);
    Outcome unauth_destination(const smtp::Path& rcpt, bool reject);
    Outcome unknown_domain(const smtp::Path& addr, const char* what);
    Outcome rbl(const Restriction& r);
    Outcome login_mismatch();
    Outcome unknown_client(ClientNames::Status status, const char* what);
    Outcome reject(int code, std::string_view detail, std::string text);
    std::optional<Decision> step();  // runs until a decision or a wait
    void resumed(Outcome o);
    void ask(const std::string& name, dns::RrType type, std::function<void(const dns::Answer&)> cb);
    void ask_domain();

    const Restrictions& r_;
    Policy& policy_;
    dns::Resolver* resolver_;
    Facts facts_;
    std::vector<Stage> stages_;
    Done done_;
    std::size_t stage_index_ = 0;
    std::size_t item_index_ = 0;
    Decision decision_;
    std::unique_ptr<dns::Query> query_;
    std::vector<std::unique_ptr<dns::Query>> spent_;
    struct DomainLookup {
        std::string domain, shown, reason;
        int step = 0;  // 0 MX, 1 A, 2 AAAA
    } domain_lookup_;
};

// The keys Postfix tries in an access table for an address: user@domain,
// then domain and its parent domains, then user@ (access(5)).
std::vector<std::string> address_keys(const smtp::Path& p, const std::string& null_key);
// For a client: the address, then shorter prefixes ("192.0.2", "192.0", "192").
std::vector<std::string> client_keys(std::string_view address);
// For a host name: the name, then its parent domains.
std::vector<std::string> domain_keys(std::string_view name);

}  // namespace tern::smtpd
