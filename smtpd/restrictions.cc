#include "smtpd/restrictions.h"

#include <algorithm>

#include "libmail/config/params_restrictions.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::smtpd {

namespace {

using Kind = Restriction::Kind;

struct Word {
    std::string_view name;
    Kind kind;
    bool takes_arg;
};

constexpr Word kWords[] = {
    {"permit", Kind::Permit, false},
    {"reject", Kind::Reject, false},
    {"defer", Kind::Defer, false},
    {"permit_mynetworks", Kind::PermitMynetworks, false},
    {"permit_sasl_authenticated", Kind::PermitSaslAuthenticated, false},
    {"permit_auth_destination", Kind::PermitAuthDestination, false},
    {"reject_unauth_destination", Kind::RejectUnauthDestination, false},
    {"reject_unknown_sender_domain", Kind::RejectUnknownSenderDomain, false},
    {"reject_unknown_recipient_domain", Kind::RejectUnknownRecipientDomain, false},
    {"reject_non_fqdn_sender", Kind::RejectNonFqdnSender, false},
    {"reject_non_fqdn_recipient", Kind::RejectNonFqdnRecipient, false},
    {"reject_non_fqdn_helo_hostname", Kind::RejectNonFqdnHeloHostname, false},
    {"reject_invalid_helo_hostname", Kind::RejectInvalidHeloHostname, false},
    {"reject_unlisted_recipient", Kind::RejectUnlistedRecipient, false},
    {"reject_sender_login_mismatch", Kind::RejectSenderLoginMismatch, false},
    {"check_client_access", Kind::CheckClientAccess, true},
    {"check_helo_access", Kind::CheckHeloAccess, true},
    {"check_sender_access", Kind::CheckSenderAccess, true},
    {"check_recipient_access", Kind::CheckRecipientAccess, true},
    {"reject_rbl_client", Kind::RejectRblClient, true},
    {"reject_unknown_client_hostname", Kind::RejectUnknownClientHostname, false},
    {"reject_unknown_reverse_client_hostname", Kind::RejectUnknownReverseClientHostname, false},
};

constexpr const char* kStageParams[] = {"smtpd_client_restrictions", "smtpd_helo_restrictions",
                                        "smtpd_sender_restrictions", "smtpd_relay_restrictions",
                                        "smtpd_recipient_restrictions", "smtpd_data_restrictions"};

// Restrictions that need a piece of the dialogue that a stage has not seen.
bool needs_recipient(Kind k) {
    return k == Kind::PermitAuthDestination || k == Kind::RejectUnauthDestination ||
           k == Kind::RejectUnknownRecipientDomain || k == Kind::RejectNonFqdnRecipient ||
           k == Kind::RejectUnlistedRecipient || k == Kind::CheckRecipientAccess;
}

// RFC 1123 2.1 host name, as Postfix's reject_invalid_helo_hostname checks it:
// letters, digits, '-' and '.', labels of 1..63, or an address literal.
bool valid_hostname(std::string_view h) {
    if (h.empty() || h.size() > 255) return false;
    if (h.front() == '[') return h.back() == ']' && h.size() > 2;
    if (h.back() == '.') h.remove_suffix(1);
    for (auto label : split_any(h, ".")) {
        if (label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        for (char c : label)
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
                return false;
    }
    return h.find("..") == std::string_view::npos && !h.empty() && h.front() != '.';
}

bool is_fqdn(std::string_view h) {
    if (!h.empty() && h.front() == '[') return true;  // an address literal is fully qualified
    if (!h.empty() && h.back() == '.') h.remove_suffix(1);
    return h.find('.') != std::string_view::npos && !h.empty() && h.front() != '.';
}

// The enhanced status class follows the reply code (Postfix does the same
// when a table or a *_code parameter turns a 5xx into a 4xx).
smtp::Reply make_reply(int code, std::string_view detail, std::string text) {
    std::string enhanced = std::to_string(code / 100) + "." + std::string(detail);
    return smtp::Reply{code, std::move(enhanced), std::move(text)};
}

}  // namespace

// ---- keys for access tables (access(5)) ----

std::vector<std::string> domain_keys(std::string_view name) {
    std::vector<std::string> keys;
    std::string d = to_lower(name);
    while (!d.empty()) {
        keys.push_back(d);
        const auto dot = d.find('.');
        if (dot == std::string::npos) break;
        d.erase(0, dot + 1);
    }
    return keys;
}

std::vector<std::string> address_keys(const smtp::Path& p, const std::string& null_key) {
    if (p.is_null()) return {null_key};
    if (p.domain.empty()) return {to_lower(p.address)};
    std::vector<std::string> keys{to_lower(p.local_part) + "@" + to_lower(p.domain)};
    for (auto& k : domain_keys(p.domain)) keys.push_back(std::move(k));
    keys.push_back(to_lower(p.local_part) + "@");
    return keys;
}

std::vector<std::string> client_keys(std::string_view address) {
    std::vector<std::string> keys;
    std::string a(address);
    const char sep = a.find(':') != std::string::npos ? ':' : '.';
    while (!a.empty()) {
        keys.push_back(a);
        const auto cut = a.rfind(sep);
        if (cut == std::string::npos) break;
        a.erase(cut);
        while (!a.empty() && a.back() == sep) a.pop_back();  // "2001:db8::" -> "2001:db8"
    }
    return keys;
}

// ---- configuration ----

Result<std::unique_ptr<Restrictions>> Restrictions::load(const config::Config& cfg) {
    std::vector<std::pair<Stage, std::vector<std::string>>> lists;
    const config::ParamSpec* specs[] = {&config::kSmtpdClientRestrictions, &config::kSmtpdHeloRestrictions,
                                        &config::kSmtpdSenderRestrictions, &config::kSmtpdRelayRestrictions,
                                        &config::kSmtpdRecipientRestrictions, &config::kSmtpdDataRestrictions};
    for (int i = 0; i < 6; ++i) lists.emplace_back(static_cast<Stage>(i), cfg.get_list(*specs[i]));
    return from_lists(lists, cfg);
}

Result<std::unique_ptr<Restrictions>> Restrictions::from_lists(
    const std::vector<std::pair<Stage, std::vector<std::string>>>& lists, const config::Config& cfg) {
    std::unique_ptr<Restrictions> r(new Restrictions());
    for (const auto& [stage, words] : lists)
        if (auto ok = r->parse(stage, kStageParams[static_cast<int>(stage)], words); !ok) return ok.error();
    r->allow_untrusted_routing_ = cfg.get_bool(config::kAllowUntrustedRouting);
    r->reject_unlisted_recipient_ = cfg.get_bool(config::kSmtpdRejectUnlistedRecipient);
    r->null_access_key_ = cfg.get(config::kSmtpdNullAccessLookupKey);
    auto code = [&](const config::ParamSpec& p) { return static_cast<int>(cfg.get_int(p)); };
    r->codes_ = Codes{code(config::kRejectCode), code(config::kDeferCode), code(config::kAccessMapRejectCode),
                      code(config::kAccessMapDeferCode), code(config::kRelayDomainsRejectCode),
                      code(config::kUnknownAddressRejectCode), code(config::kNonFqdnRejectCode),
                      code(config::kInvalidHostnameRejectCode), code(config::kMapsRblRejectCode),
                      code(config::kUnknownVirtualMailboxRejectCode), code(config::kUnknownClientRejectCode)};
    const auto login_maps = cfg.get_list(config::kSmtpdSenderLoginMaps);
    if (!login_maps.empty()) {
        auto m = maps::MapList::open(login_maps);
        if (!m) return Error("smtpd_sender_login_maps: " + m.error().message);
        r->sender_login_maps_ = std::make_shared<maps::MapList>(std::move(*m));
    }
    return r;
}

Result<void> Restrictions::parse(Stage stage, const std::string& param, const std::vector<std::string>& words) {
    auto& out = lists_[static_cast<int>(stage)];
    out.clear();
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string word = to_lower(words[i]);
        const auto* w = std::find_if(std::begin(kWords), std::end(kWords), [&](const Word& x) { return x.name == word; });
        if (w == std::end(kWords))
            return Error(param + ": unknown restriction \"" + printable(words[i], 100) + "\"");
        Restriction r{w->kind, {}, {}, {}};
        if (w->takes_arg) {
            if (i + 1 >= words.size()) return Error(param + ": " + word + " needs an argument");
            r.arg = words[++i];
            if (r.kind == Kind::RejectRblClient) {
                auto [zone, filter] = split_once(r.arg, '=');
                r.arg = std::string(zone);
                r.rbl_filter = std::string(filter);
            } else {
                auto table = maps::MapList::open({r.arg});
                if (!table) return Error(param + ": " + word + " " + r.arg + ": " + table.error().message);
                r.table = std::make_shared<maps::MapList>(std::move(*table));
            }
        }
        const bool dns = r.kind == Kind::RejectUnknownSenderDomain || r.kind == Kind::RejectUnknownRecipientDomain ||
                         r.kind == Kind::RejectRblClient;
        if (dns && stage == Stage::Data)
            return Error(param + ": " + word + " cannot be used here: DNS lookups are done at RCPT");
        uses_dns_ = uses_dns_ || dns;
        // Postfix refuses these where the data cannot exist yet, unless delayed.
        if (needs_recipient(r.kind) && (stage == Stage::Data))
            return Error(param + ": " + word + " cannot be used here: there is no single recipient");
        out.push_back(std::move(r));
    }
    return {};
}

// ---- evaluation ----

Evaluation::Evaluation(const Restrictions& r, Policy& policy, dns::Resolver* resolver, Facts facts,
                       std::vector<Stage> stages, Done done)
    : r_(r), policy_(policy), resolver_(resolver), facts_(std::move(facts)), stages_(std::move(stages)),
      done_(std::move(done)) {}

std::optional<Decision> Evaluation::run() { return step(); }

std::optional<Decision> Evaluation::step() {
    while (stage_index_ < stages_.size()) {
        const Stage stage = stages_[stage_index_];
        const auto& list = r_.list(stage);
        bool permitted = false;
        while (item_index_ < list.size()) {
            const Outcome o = apply(list[item_index_], stage);
            if (o == Outcome::Wait) return std::nullopt;
            ++item_index_;
            if (o == Outcome::Reject) return decision_;
            if (o == Outcome::Permit) {
                permitted = true;
                break;
            }
        }
        (void)permitted;  // PERMIT ends this list only; the next list still runs
        ++stage_index_;
        item_index_ = 0;
    }
    // After the lists: unknown users of our own domains (smtpd_reject_unlisted_recipient).
    const bool at_rcpt = std::find(stages_.begin(), stages_.end(), Stage::Recipient) != stages_.end();
    if (at_rcpt && facts_.recipient && r_.reject_unlisted_recipient()) {
        const auto known = policy_.recipient_known(*facts_.recipient);
        if (known == Policy::Known::No)
            reject(r_.codes().unknown_virtual, "1.1",
                   "<" + facts_.recipient->address + ">: Recipient address rejected: User unknown in virtual mailbox table");
        else if (known == Policy::Known::TempFail)
            reject(451, "3.0", "<" + facts_.recipient->address + ">: Temporary lookup failure");
    }
    return decision_;
}

void Evaluation::resumed(Outcome o) {
    ++item_index_;
    if (o == Outcome::Reject) {
        done_(decision_);
        return;
    }
    if (o == Outcome::Permit) {
        ++stage_index_;
        item_index_ = 0;
    }
    if (auto d = step()) done_(*d);
}

Evaluation::Outcome Evaluation::reject(int code, std::string_view detail, std::string text) {
    decision_.reject = make_reply(code, detail, std::move(text));
    return Outcome::Reject;
}

Evaluation::Outcome Evaluation::apply(const Restriction& r, Stage stage) {
    (void)stage;
    const auto& c = r_.codes();
    const smtp::Path* rcpt = facts_.recipient ? &*facts_.recipient : nullptr;
    const smtp::Path* sender = facts_.sender ? &*facts_.sender : nullptr;
    const std::string helo_shown = "<" + printable(facts_.helo, 255) + ">";
    switch (r.kind) {
    case Kind::Permit:
        return Outcome::Permit;
    case Kind::Reject:
        return reject(c.reject, "7.1", "Access denied");
    case Kind::Defer:
        return reject(c.defer, "7.1", "Try again later");
    case Kind::PermitMynetworks:
        return policy_.in_mynetworks(facts_.client_address) ? Outcome::Permit : Outcome::Dunno;
    case Kind::PermitSaslAuthenticated:
        return facts_.sasl_username.empty() ? Outcome::Dunno : Outcome::Permit;
    case Kind::PermitAuthDestination:
        return rcpt ? unauth_destination(*rcpt, false) : Outcome::Dunno;
    case Kind::RejectUnauthDestination:
        return rcpt ? unauth_destination(*rcpt, true) : Outcome::Dunno;
    case Kind::RejectUnknownSenderDomain:
        return sender && !sender->is_null() ? unknown_domain(*sender, "Sender") : Outcome::Dunno;
    case Kind::RejectUnknownRecipientDomain:
        return rcpt ? unknown_domain(*rcpt, "Recipient") : Outcome::Dunno;
    case Kind::RejectNonFqdnSender:
        if (sender && !sender->is_null() && !is_fqdn(sender->domain))
            return reject(c.non_fqdn, "5.2", "<" + sender->address + ">: Sender address rejected: need fully-qualified address");
        return Outcome::Dunno;
    case Kind::RejectNonFqdnRecipient:
        if (rcpt && !is_fqdn(rcpt->domain) && !rcpt->domain.empty())
            return reject(c.non_fqdn, "5.2", "<" + rcpt->address + ">: Recipient address rejected: need fully-qualified address");
        return Outcome::Dunno;
    case Kind::RejectNonFqdnHeloHostname:
        if (!facts_.helo.empty() && !is_fqdn(facts_.helo))
            return reject(c.non_fqdn, "5.2", helo_shown + ": Helo command rejected: need fully-qualified hostname");
        return Outcome::Dunno;
    case Kind::RejectInvalidHeloHostname:
        if (!facts_.helo.empty() && !valid_hostname(facts_.helo))
            return reject(c.invalid_hostname, "5.2", helo_shown + ": Helo command rejected: Invalid name");
        return Outcome::Dunno;
    case Kind::RejectUnlistedRecipient:
        if (!rcpt) return Outcome::Dunno;
        switch (policy_.recipient_known(*rcpt)) {
        case Policy::Known::No:
            return reject(c.unknown_virtual, "1.1",
                          "<" + rcpt->address + ">: Recipient address rejected: User unknown in virtual mailbox table");
        case Policy::Known::TempFail:
            return reject(451, "3.0", "<" + rcpt->address + ">: Temporary lookup failure");
        case Policy::Known::Yes:
            return Outcome::Dunno;
        }
        return Outcome::Dunno;
    case Kind::RejectSenderLoginMismatch:
        return login_mismatch();
    case Kind::CheckClientAccess:
        return access(r, client_keys(facts_.client_address),
                      "<" + facts_.client_name + "[" + facts_.client_address + "]>", "Client host");
    case Kind::CheckHeloAccess:
        return facts_.helo.empty() ? Outcome::Dunno : access(r, domain_keys(facts_.helo), helo_shown, "Helo command");
    case Kind::CheckSenderAccess:
        return sender ? access(r, address_keys(*sender, r_.null_access_key()), "<" + sender->address + ">",
                               "Sender address")
                      : Outcome::Dunno;
    case Kind::CheckRecipientAccess:
        return rcpt ? access(r, address_keys(*rcpt, r_.null_access_key()), "<" + rcpt->address + ">",
                             "Recipient address")
                    : Outcome::Dunno;
    case Kind::RejectRblClient:
        return rbl(r);
    case Kind::RejectUnknownClientHostname:
        return unknown_client(facts_.client_name_status, "hostname");
    case Kind::RejectUnknownReverseClientHostname:
        return unknown_client(facts_.reverse_client_name_status, "reverse hostname");
    }
    return Outcome::Dunno;
}

// Postfix's wording; RFC 7372's X.7.25 "reverse DNS validation failed". A DNS
// failure is always temporary, whatever unknown_client_reject_code says.
Evaluation::Outcome Evaluation::unknown_client(ClientNames::Status status, const char* what) {
    if (status == ClientNames::Status::Ok) return Outcome::Dunno;
    const int code = status == ClientNames::Status::TempFail ? 450 : r_.codes().unknown_client;
    return reject(code, "7.25", "Client host rejected: cannot find your " + std::string(what) + ", [" +
                                    facts_.client_address + "]");
}

Evaluation::Outcome Evaluation::unauth_destination(const smtp::Path& rcpt, bool reject_it) {
    // Sender-specified routing ("user%remote@here") is relaying in disguise:
    // not an authorized destination unless allow_untrusted_routing says so.
    const bool routed = rcpt.has_routing() && !r_.allow_untrusted_routing();
    const bool ours = policy_.is_authorized_destination(rcpt) && !routed;
    if (!reject_it) return ours ? Outcome::Permit : Outcome::Dunno;
    if (ours) return Outcome::Dunno;
    return reject(r_.codes().relay, "7.1", "<" + rcpt.address + ">: Relay access denied");
}

Evaluation::Outcome Evaluation::reply_from_access(std::string_view value, const std::string& shown, const char* what) {
    const auto [action, rest] = split_once(trim(value), ' ');
    const std::string text(trim(rest));
    const auto& c = r_.codes();
    if (iequals(action, "OK") || iequals(action, "PERMIT")) return Outcome::Permit;
    if (iequals(action, "DUNNO")) return Outcome::Dunno;
    if (iequals(action, "REJECT"))
        return reject(c.access_reject, "7.1", shown + ": " + what + " rejected: " + (text.empty() ? "Access denied" : text));
    if (iequals(action, "DEFER"))
        return reject(c.access_defer, "7.1", shown + ": " + what + " rejected: " + (text.empty() ? "Access denied" : text));
    // "550 text" / "450 4.7.1 text": the table's own reply (access(5)).
    if (action.size() == 3 && (action[0] == '4' || action[0] == '5') && parse_number<int>(action)) {
        const int code = *parse_number<int>(action);
        std::string t = text;
        std::string detail = "7.1";
        const auto [first, after] = split_once(t, ' ');
        if (first.size() >= 5 && first[0] == action[0] && first[1] == '.') {
            detail = std::string(first.substr(2));
            t = std::string(trim(after));
        }
        return reject(code, detail, shown + ": " + what + " rejected: " + (t.empty() ? "Access denied" : t));
    }
    // Anything else (a restriction name, a typo) is the admin's mistake: do
    // not let mail through on it, and say so in the log.
    decision_.warning = "access table result \"" + printable(value, 100) + "\" is not supported";
    log::warning("%s", decision_.warning.c_str());
    return reject(451, "3.5", "Server configuration error");
}

Evaluation::Outcome Evaluation::access(const Restriction& r, const std::vector<std::string>& keys,
                                       const std::string& shown, const char* what) {
    for (const auto& key : keys) {
        auto v = r.table->lookup(key);
        if (!v) {
            log::warning("%s lookup of %s: %s", r.arg.c_str(), printable(key).c_str(), v.error().message.c_str());
            return reject(451, "3.0", shown + ": Temporary lookup failure");
        }
        if (*v) return reply_from_access(**v, shown, what);
    }
    return Outcome::Dunno;
}

Evaluation::Outcome Evaluation::login_mismatch() {
    maps::MapList* m = r_.sender_login_maps();
    if (!m || !facts_.sender || facts_.sender->is_null()) return Outcome::Dunno;
    const smtp::Path& s = *facts_.sender;
    std::optional<std::string> owners;
    for (const auto& key : {to_lower(s.local_part) + "@" + to_lower(s.domain), "@" + to_lower(s.domain)}) {
        auto v = m->lookup(key);
        if (!v) return reject(451, "3.0", "<" + s.address + ">: Temporary lookup failure");
        if (*v) {
            owners = **v;
            break;
        }
    }
    const std::string shown = "<" + s.address + ">";
    if (facts_.sasl_username.empty()) {
        // An address with an owner may only be used by that owner, logged in.
        if (owners) return reject(553, "7.1", shown + ": Sender address rejected: not logged in");
        return Outcome::Dunno;
    }
    if (owners) {
        for (auto o : split_any(*owners, ", "))
            if (iequals(o, facts_.sasl_username)) return Outcome::Dunno;
    }
    return reject(553, "7.1", shown + ": Sender address rejected: not owned by user " +
                                  printable(facts_.sasl_username, 100));
}

void Evaluation::ask(const std::string& name, dns::RrType type, std::function<void(const dns::Answer&)> cb) {
    // A Query is never destroyed inside its own callback: finished ones wait
    // here until the Evaluation goes (off the resolver's call stack).
    if (query_) spent_.push_back(std::move(query_));
    query_ = resolver_->query(name, type, std::move(cb));
}

// reject_unknown_{sender,recipient}_domain: the domain needs an MX, or an A
// or AAAA record (RFC 5321 5.1). Our own domains are known by definition.
Evaluation::Outcome Evaluation::unknown_domain(const smtp::Path& addr, const char* what) {
    if (addr.domain.empty() || addr.domain.front() == '[' || policy_.is_authorized_destination(addr))
        return Outcome::Dunno;
    const std::string shown = "<" + addr.address + ">";
    if (!resolver_) return reject(451, "4.3", shown + ": " + what + " address rejected: DNS is not available");
    domain_lookup_ = DomainLookup{addr.domain, shown, std::string(what) + " address rejected: Domain not found", 0};
    ask_domain();
    return Outcome::Wait;
}

// MX first, then A, then AAAA; each answer may decide.
void Evaluation::ask_domain() {
    static constexpr dns::RrType kOrder[] = {dns::RrType::MX, dns::RrType::A, dns::RrType::AAAA};
    ask(domain_lookup_.domain, kOrder[domain_lookup_.step], [this](const dns::Answer& a) {
        using S = dns::Answer::Status;
        const auto& d = domain_lookup_;
        const bool last = d.step == 2;
        if (a.status == S::Ok) {
            // A null MX (RFC 7505) means the domain takes no mail.
            if (a.mx.size() == 1 && a.mx[0].host.empty()) {
                reject(550, "1.10", d.shown + ": Domain does not accept mail (null MX)");
                resumed(Outcome::Reject);
            } else {
                resumed(Outcome::Dunno);
            }
        } else if (a.status == S::TempFail || a.status == S::Bogus) {
            reject(451, "4.3", d.shown + ": Temporary DNS lookup failure");
            resumed(Outcome::Reject);
        } else if (a.status == S::NxDomain || last) {
            reject(r_.codes().unknown_address, "1.2", d.shown + ": " + d.reason);
            resumed(Outcome::Reject);
        } else {
            ++domain_lookup_.step;  // NoData: try the next record type
            ask_domain();
        }
    });
}

// reject_rbl_client ZONE[=FILTER]: the reversed client address under ZONE has
// an A record (optionally equal to FILTER); the zone's TXT goes into the reply.
Evaluation::Outcome Evaluation::rbl(const Restriction& r) {
    const std::string name = dns::reverse_name(facts_.client_address, r.arg);
    if (name.empty() || !resolver_) return Outcome::Dunno;
    ask(name, dns::RrType::A, [this, name, zone = r.arg, filter = r.rbl_filter](const dns::Answer& a) {
        const bool listed = a.status == dns::Answer::Status::Ok &&
                            (filter.empty() || std::find(a.addresses.begin(), a.addresses.end(), filter) != a.addresses.end());
        if (a.status == dns::Answer::Status::TempFail)
            log::warning("%s: DNSBL lookup of %s failed: %s", zone.c_str(), name.c_str(), a.error.c_str());
        if (!listed) {
            resumed(Outcome::Dunno);
            return;
        }
        ask(name, dns::RrType::TXT, [this, zone](const dns::Answer& t) {
            std::string text = "Service unavailable; Client host [" + facts_.client_address + "] blocked using " + zone;
            if (t.status == dns::Answer::Status::Ok && !t.txt.empty()) text += "; " + printable(t.txt.front(), 300);
            reject(r_.codes().rbl, "7.1", text);
            resumed(Outcome::Reject);
        });
    });
    return Outcome::Wait;
}

}  // namespace tern::smtpd
