#include "libmail/authres/sender_auth.h"

#include "libmail/authres/authentication_results.h"
#include "libmail/authres/quarantine.h"
#include "libmail/cleanup/address_list.h"
#include "libmail/config/params_dkim.h"
#include "libmail/config/params_dmarc.h"
#include "libmail/config/params_global.h"
#include "libmail/config/params_spf.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/spf/received_spf.h"

namespace tern::authres {

namespace {

constexpr std::size_t kMaxFromFields = 16;     // a message with more is not evaluated further
constexpr std::size_t kMaxFromDomains = 64;

tern::Result<DmarcAction> parse_action(const config::Config& cfg, const config::ParamSpec& p) {
    const std::string v = to_lower(cfg.get(p));
    if (v == "reject") return DmarcAction::Reject;
    if (v == "junk") return DmarcAction::Junk;
    if (v == "hold") return DmarcAction::Hold;
    if (v == "ignore") return DmarcAction::Ignore;
    return Error(std::string(p.name) + ": \"" + printable(v) + "\" is not one of reject, junk, hold, ignore");
}

// "550 5.7.23 SPF fail: ..." as spf::smtp_reply writes it.
smtp::Reply split_reply(const std::string& line) {
    smtp::Reply r;
    r.code = line.size() >= 3 ? std::stoi(line.substr(0, 3)) : 451;
    std::string_view rest = line.size() > 4 ? std::string_view(line).substr(4) : std::string_view();
    const auto sp = rest.find(' ');
    r.status = std::string(rest.substr(0, sp));
    r.text = sp == std::string_view::npos ? std::string() : std::string(rest.substr(sp + 1));
    return r;
}

bool policy_may_act(const spf::PolicyConfig& p) {
    return p.fail != spf::Action::Ignore || p.softfail != spf::Action::Ignore ||
           p.permerror != spf::Action::Ignore || p.temperror != spf::Action::Ignore;
}

std::string policy_name(dmarc::Policy p) {
    switch (p) {
    case dmarc::Policy::None: return "none";
    case dmarc::Policy::Quarantine: return "quarantine";
    case dmarc::Policy::Reject: return "reject";
    }
    return "none";
}

ResInfo spf_entry(const spf::Outcome& o) {
    ResInfo r{"spf", std::string(spf::result_name(o.result)), "", "", {}};
    if (!o.problem.empty()) r.comment = o.problem;
    else if (!o.mechanism.empty()) r.comment = "matched " + o.mechanism;
    if (o.identity == "helo") r.properties.emplace_back("smtp.helo", o.domain);
    else r.properties.emplace_back("smtp.mailfrom", o.sender);
    return r;
}

}  // namespace

std::vector<std::string> from_domains(std::string_view from_value) {
    std::vector<std::string> out;
    for (const auto& addr : cleanup::parse_address_list(from_value, kMaxFromDomains)) {
        const auto at = addr.rfind('@');
        std::string d = at == std::string::npos ? std::string() : to_lower(addr.substr(at + 1));
        bool seen = false;
        for (const auto& x : out) seen = seen || x == d;
        if (!seen) out.push_back(std::move(d));
    }
    if (out.empty()) out.emplace_back();  // a From without an address: no usable domain
    return out;
}

tern::Result<SenderAuthConfig> SenderAuthConfig::from_config(const config::Config& cfg) {
    SenderAuthConfig c;
    c.spf = cfg.get_bool(config::kSmtpdSpfChecks);
    c.spf_helo = cfg.get_bool(config::kSpfHeloCheck);
    auto policy = spf::PolicyConfig::from_config(cfg);
    if (!policy) return policy.error();
    c.spf_policy = *policy;
    c.dkim = cfg.get_bool(config::kSmtpdDkimVerify);
    c.dkim_options.max_signatures = static_cast<std::size_t>(cfg.get_int(config::kDkimMaxSignatures));
    c.dkim_options.allow_body_length = cfg.get_bool(config::kDkimAllowBodyLength);
    c.dkim_options.min_rsa_bits = static_cast<int>(cfg.get_int(config::kDkimMinRsaKeyBits));
    c.dmarc = cfg.get_bool(config::kSmtpdDmarcChecks);
    for (auto [param, slot] : {std::pair{&config::kDmarcRejectAction, &c.on_reject},
                               std::pair{&config::kDmarcQuarantineAction, &c.on_quarantine},
                               std::pair{&config::kDmarcPermerrorAction, &c.on_permerror}}) {
        auto a = parse_action(cfg, *param);
        if (!a) return a.error();
        *slot = *a;
    }
    c.receiver = cfg.get(config::kMyHostname);
    c.authserv_id = cfg.get(config::kAuthservId);
    if (c.authserv_id.empty()) c.authserv_id = c.receiver;
    if (c.dmarc) {
        const std::string psl = cfg.get(config::kDmarcPublicSuffixList);
        auto loader = dmarc::PublicSuffixLoader::create(psl);
        if (!loader) return Error("dmarc_public_suffix_list: " + loader.error().message);
        c.psl = std::move(*loader);
        if (cfg.get_bool(config::kDmarcAggregateReports))
            c.reports = std::make_shared<dmarc::ReportLog>(cfg.get(config::kDmarcReportDirectory));
    }
    return c;
}

SenderAuth::SenderAuth(const SenderAuthConfig& cfg, event_base* base, dns::Resolver& resolver, std::string client_ip,
                       std::string helo, std::string sender)
    : cfg_(cfg), base_(base), resolver_(resolver),
      request_{std::move(client_ip), std::move(sender), std::move(helo), cfg.receiver} {
    if (cfg_.dkim) verifier_ = std::make_unique<dkim::Verifier>(cfg_.dkim_options);
}

SenderAuth::~SenderAuth() = default;

void SenderAuth::run_soon(std::function<void()> fn) {
    soon_ = std::move(fn);
    if (!soon_ev_) soon_ev_.reset(evtimer_new(base_, &SenderAuth::on_soon, this));
    const timeval now{0, 0};
    evtimer_add(soon_ev_.get(), &now);
}

void SenderAuth::on_soon(evutil_socket_t, short, void* self) noexcept {
    auto fn = std::move(static_cast<SenderAuth*>(self)->soon_);
    fn();  // may destroy the object: nothing after
}

void SenderAuth::start(std::function<void(std::optional<smtp::Reply>)> decided) {
    const bool wait_for_spf = cfg_.spf && policy_may_act(cfg_.spf_policy);
    if (wait_for_spf) spf_decided_ = std::move(decided);
    else if (decided) run_soon([d = std::move(decided)] { d(std::nullopt); });
    if (cfg_.spf) {
        spf_check_ = spf::check(resolver_, request_, [this](const spf::Outcome& o) { spf_done(o); });
        if (cfg_.spf_helo && !request_.sender.empty()) {
            spf::Request helo = request_;
            helo.sender.clear();  // the HELO identity, recorded only
            helo_check_ = spf::check(resolver_, helo, [this](const spf::Outcome& o) {
                helo_ = o;
                maybe_dmarc();
            });
        }
    }
}

void SenderAuth::spf_done(const spf::Outcome& o) {
    spf_ = o;
    maybe_dmarc();
    if (spf_decided_) {
        auto decided = std::move(spf_decided_);
        spf_decided_ = nullptr;
        auto line = spf::smtp_reply(o, cfg_.spf_policy);
        decided(line ? std::optional<smtp::Reply>(split_reply(*line)) : std::nullopt);  // may destroy this
    }
}

void SenderAuth::header(std::string_view field) {
    if (verifier_) verifier_->header(field);
    const auto colon = field.find(':');
    if (colon == std::string_view::npos || !iequals(trim(field.substr(0, colon)), "From")) return;
    if (++from_fields_ > kMaxFromFields) return;
    for (auto& d : from_domains(field.substr(colon + 1)))
        if (from_domains_.size() < kMaxFromDomains) from_domains_.push_back(std::move(d));
}

void SenderAuth::end_of_headers() {
    if (!verifier_) return;
    verifier_->end_of_headers();
    if (!verifier_->has_signatures()) return;
    dkim_done_ = false;
    verifier_->verify(base_, resolver_, [this] {
        dkim_done_ = true;
        maybe_dmarc();
    });
}

void SenderAuth::body(std::string_view chunk) {
    if (verifier_) verifier_->body(chunk);
}

void SenderAuth::end_of_body() {
    if (verifier_) verifier_->end_of_body();
}

void SenderAuth::finish(std::function<void(const AuthVerdict&)> done) {
    done_ = std::move(done);
    finishing_ = true;
    if (!dmarc_started_ && spf_decided_) spf_decided_ = nullptr;  // MAIL was answered long ago
    maybe_dmarc();
}

void SenderAuth::maybe_dmarc() {
    if (!finishing_ || dmarc_started_) return;
    if ((spf_check_ && !spf_) || (helo_check_ && !helo_) || !dkim_done_) return;
    dmarc_started_ = true;
    if (!cfg_.dmarc) {
        run_soon([this] { conclude(std::nullopt); });
        return;
    }
    dmarc::Input in;
    // Several From fields with one domain each count like one field with
    // several addresses: RFC 7489 6.6.1 lets the receiver refuse both.
    std::vector<std::string> domains = from_domains_;
    if (from_fields_ > 1 && domains.size() == 1) domains.push_back("");
    in.from_domains = std::move(domains);
    if (spf_) {
        in.spf.result = std::string(spf::result_name(spf_->result));
        in.spf.domain = spf_->domain;
        in.spf.helo = spf_->identity == "helo";
    }
    if (verifier_)
        for (const auto& r : verifier_->results())
            in.dkim.push_back({r.domain, r.selector, std::string(dkim::status_name(r.status))});
    in.source_ip = request_.ip;
    const auto at = request_.sender.rfind('@');
    in.envelope_from = at == std::string::npos ? std::string() : to_lower(request_.sender.substr(at + 1));
    const dmarc::Input copy = in;
    auto done = [this, copy](const dmarc::Outcome& o) {
        if (cfg_.reports)
            if (auto e = dmarc::make_entry(copy, o, std::time(nullptr))) cfg_.reports->add(*e);
        conclude(o);
    };
    const dmarc::PublicSuffixList* psl = cfg_.psl ? cfg_.psl->get() : nullptr;
    if (!psl) {  // said in the log by the loader: the message goes on without DMARC
        run_soon([this] { conclude(std::nullopt); });
        return;
    }
    dmarc_check_ = cfg_.percent ? dmarc::check(resolver_, *psl, std::move(in), done, cfg_.percent)
                                : dmarc::check(resolver_, *psl, std::move(in), done);
}


void SenderAuth::conclude(std::optional<dmarc::Outcome> dm) {
    AuthVerdict v;
    std::vector<ResInfo> results;
    if (spf_) results.push_back(spf_entry(*spf_));
    if (helo_) results.push_back(spf_entry(*helo_));
    if (verifier_) {
        for (const auto& r : verifier_->results()) {
            ResInfo e{"dkim", std::string(dkim::status_name(r.status)), "", "", {}};
            if (r.status != dkim::Status::Pass) e.reason = r.reason;
            if (r.testing) e.comment = "test mode";
            e.properties = {{"header.d", r.domain}, {"header.s", r.selector}, {"header.b", r.b_prefix}};
            results.push_back(std::move(e));
        }
        if (verifier_->results().empty()) results.push_back({"dkim", "none", "", "", {}});
    }
    DmarcAction action = DmarcAction::Ignore;
    if (dm) {
        ResInfo e{"dmarc", std::string(dmarc::to_string(dm->result)), "", "", {}};
        if (dm->record)
            e.comment = "p=" + policy_name(dm->record->p) + " sp=" + policy_name(dm->record->subdomain_policy()) +
                        " dis=" + std::string(dmarc::to_string(dm->disposition));
        else if (!dm->reason.empty())
            e.comment = dm->reason;
        if (!dm->from_domain.empty()) e.properties.emplace_back("header.from", dm->from_domain);
        results.push_back(std::move(e));
        if (dm->disposition == dmarc::Disposition::Reject) action = cfg_.on_reject;
        else if (dm->disposition == dmarc::Disposition::Quarantine) action = cfg_.on_quarantine;
        else if (dm->result == dmarc::DmarcResult::PermError) action = cfg_.on_permerror;
    }
    v.prepend = format_header(cfg_.authserv_id, results);
    if (spf_) v.prepend += spf::received_spf_header(*spf_, request_);
    for (const auto& r : results) {
        if (!v.summary.empty()) v.summary += ' ';
        v.summary += r.method + "=" + r.result;
    }
    const std::string domain = dm && !dm->policy_domain.empty() ? dm->policy_domain
                               : dm ? dm->from_domain : std::string();
    switch (action) {
    case DmarcAction::Reject:
        v.refuse = smtp::Reply{550, "5.7.1",
                               dm->result == dmarc::DmarcResult::PermError
                                   ? "Message rejected: DMARC cannot be evaluated (" + dm->reason + ")"
                                   : "Message rejected by the DMARC policy of " + domain};
        break;
    case DmarcAction::Junk:
        v.prepend += quarantine_field("DMARC policy of " + domain);
        break;
    case DmarcAction::Hold:
        v.hold = true;
        break;
    case DmarcAction::Ignore:
        break;
    }
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(v);  // may destroy this
}

}  // namespace tern::authres
