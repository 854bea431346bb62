#include "libmail/spf/check.h"

#include <chrono>
#include <ctime>
#include <utility>
#include <vector>

#include "libmail/core/text.h"
#include "libmail/spf/macro.h"
#include "libmail/spf/record.h"

namespace tern::spf {

namespace {

using Status = dns::Answer::Status;

constexpr int kMaxDnsTerms = 10;          // section 4.6.4
constexpr int kMaxVoidLookups = 2;        // section 4.6.4
constexpr std::size_t kMaxMxNames = 10;   // section 4.6.4
constexpr std::size_t kMaxPtrNames = 10;  // section 4.6.4: the rest are ignored
constexpr auto kMaxElapsed = std::chrono::seconds(20);  // section 4.6.4: "at least 20 seconds"
constexpr std::size_t kMaxExplanationOctets = 1000;

Result result_of(Qualifier q) {
    switch (q) {
    case Qualifier::Pass: return Result::Pass;
    case Qualifier::Fail: return Result::Fail;
    case Qualifier::SoftFail: return Result::SoftFail;
    case Qualifier::Neutral: return Result::Neutral;
    }
    return Result::Neutral;
}

// Section 4.3: a domain SPF can check is a fully qualified name of
// non-empty labels of at most 63 octets (an address literal is not one).
bool is_checkable_domain(std::string_view d) {
    if (!d.empty() && d.back() == '.') d.remove_suffix(1);
    if (d.empty() || d.size() > kMaxDomainOctets || d.find('.') == std::string_view::npos) return false;
    std::size_t label = 0;
    for (char c : d) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '[' || c == ']' || c == '@') return false;
        if (++label > 63) return false;
    }
    return label > 0;
}

bool is_void(const dns::Answer& a) { return a.status == Status::NxDomain || a.status == Status::NoData; }

// Whether name is target or below it (compared without regard to case).
bool is_at_or_below(std::string_view name, std::string_view target) {
    if (!target.empty() && target.back() == '.') target.remove_suffix(1);
    if (iequals(name, target)) return true;
    return name.size() > target.size() && name[name.size() - target.size() - 1] == '.' &&
           iequals(name.substr(name.size() - target.size()), target);
}

class Evaluator final : public Check {
public:
    using Done = std::function<void(const Outcome&)>;
    Evaluator(dns::Resolver& r, Request req, Done done)
        : resolver_(r), req_(std::move(req)), done_(std::move(done)), started_(std::chrono::steady_clock::now()) {}

    void start();

private:
    struct Frame {
        std::string domain;  // <domain> of this check_host()
        Record record;
        std::size_t next = 0;       // the mechanism being evaluated
        bool via_redirect = false;  // reached through redirect= (none becomes permerror)
    };
    using Then = std::function<void(const dns::Answer&)>;

    void ask(const std::string& name, dns::RrType type, Then then);
    void load(std::string domain, bool via_redirect);
    void on_txt(const dns::Answer& a);
    void run();
    void next_term();
    void matched();
    void frame_done(Result r, std::string problem = {});
    void finish(Result r, std::string problem = {});
    bool count_lookup();
    bool count_void(const dns::Answer& a);
    bool dns_trouble(const dns::Answer& a, dns::RrType type, const std::string& name);
    MacroContext context(const std::string& domain) const;
    void expand_target(const std::string& spec, bool counted, std::function<void(std::string)> then);
    void ptr_walk(std::function<void(Status)> then);
    void ptr_next();
    void dns_term(const Mechanism& m);
    void address_term(const Mechanism& m, const std::string& target);
    void mx_term(const Mechanism& m, const std::string& target);
    void mx_next();
    void redirect();
    void fetch_exp();
    void fail_with(std::string explanation, bool from_exp);
    bool matches(const std::vector<std::string>& addresses, int cidr4, int cidr6) const;

    dns::Resolver& resolver_;
    Request req_;
    Done done_;
    std::chrono::steady_clock::time_point started_;
    Outcome outcome_;
    Address ip_;
    std::string local_part_;
    std::vector<Frame> frames_;
    std::unique_ptr<dns::Query> q_;
    Then then_;
    int lookups_ = 0;
    int voids_ = 0;
    // The PTR walk (ptr mechanism, %{p}): names to validate, the validated ones.
    std::vector<std::string> ptr_candidates_;
    std::size_t ptr_index_ = 0;
    std::vector<std::string> ptr_valid_;
    std::function<void(Status)> ptr_then_;
    bool have_validated_ = false;
    std::vector<std::string> validated_;  // %{p} candidates, computed once
    // The mx mechanism: names whose addresses are still to be looked at.
    std::vector<std::string> mx_hosts_;
    std::size_t mx_index_ = 0;
    int mx_cidr4_ = 32, mx_cidr6_ = 128;
};

void Evaluator::start() {
    std::string sender = std::string(trim(req_.sender));
    if (sender.size() >= 2 && sender.front() == '<' && sender.back() == '>') sender = sender.substr(1, sender.size() - 2);
    std::string domain;
    if (sender.empty()) {
        outcome_.identity = "helo";
        local_part_ = "postmaster";
        domain = req_.helo;
    } else {
        outcome_.identity = "mailfrom";
        const std::size_t at = sender.rfind('@');
        local_part_ = at == std::string::npos ? std::string() : sender.substr(0, at);
        domain = at == std::string::npos ? sender : sender.substr(at + 1);
        if (local_part_.empty()) local_part_ = "postmaster";  // section 4.3
    }
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    outcome_.domain = domain;
    outcome_.sender = local_part_ + "@" + domain;
    const auto ip = Address::parse(req_.ip);
    Result early = Result::None;
    std::string problem;
    if (!ip) {
        early = Result::PermError;
        problem = "bad client address \"" + printable(req_.ip) + "\"";
    } else if (is_checkable_domain(domain)) {
        ip_ = *ip;
        load(domain, false);
        return;
    }
    // No DNS to ask: an impossible name answers from the loop, so that done
    // still runs later, never inside check().
    ask("", dns::RrType::TXT, [this, early, problem](const dns::Answer&) { finish(early, problem); });
}

void Evaluator::ask(const std::string& name, dns::RrType type, Then then) {
    then_ = std::move(then);
    q_ = resolver_.query(name, type, [this](const dns::Answer& a) {
        Then t = std::move(then_);  // the Query (and this lambda) may be replaced inside t
        if (std::chrono::steady_clock::now() - started_ > kMaxElapsed) {
            finish(Result::TempError, "SPF evaluation took longer than " +
                                          std::to_string(kMaxElapsed.count()) + " seconds");
            return;
        }
        t(a);
    });
}

void Evaluator::finish(Result r, std::string problem) {
    outcome_.result = r;
    outcome_.problem = std::move(problem);
    const Outcome out = outcome_;
    Done done = std::move(done_);
    q_.reset();
    done(out);  // may destroy this
}

bool Evaluator::dns_trouble(const dns::Answer& a, dns::RrType type, const std::string& name) {
    if (a.status != Status::TempFail && a.status != Status::Bogus) return false;
    static constexpr const char* kNames[] = {"A", "AAAA", "MX", "PTR", "TXT"};
    const char* t = type == dns::RrType::A      ? kNames[0]
                    : type == dns::RrType::AAAA ? kNames[1]
                    : type == dns::RrType::MX   ? kNames[2]
                    : type == dns::RrType::PTR  ? kNames[3]
                                                : kNames[4];
    finish(Result::TempError, std::string("DNS lookup of ") + t + " " + name + " failed: " +
                                  (a.error.empty() ? "temporary failure" : a.error));
    return true;
}

bool Evaluator::count_lookup() {
    if (++lookups_ <= kMaxDnsTerms) return true;
    finish(Result::PermError, "more than " + std::to_string(kMaxDnsTerms) + " DNS-querying terms");
    return false;
}

bool Evaluator::count_void(const dns::Answer& a) {
    if (!is_void(a) || ++voids_ <= kMaxVoidLookups) return true;
    finish(Result::PermError, "more than " + std::to_string(kMaxVoidLookups) + " void DNS lookups");
    return false;
}

MacroContext Evaluator::context(const std::string& domain) const {
    MacroContext c;
    c.local_part = local_part_;
    c.sender_domain = outcome_.domain;
    c.sender = outcome_.sender;
    c.domain = domain;
    c.ip = ip_;
    c.helo = req_.helo;
    c.receiver = req_.receiver;
    c.now = static_cast<std::int64_t>(std::time(nullptr));
    // Section 7.3: <domain> itself if validated, else a name below it, else any.
    for (const std::string& v : validated_)
        if (iequals(v, domain)) c.validated = v;
    for (const std::string& v : validated_)
        if (c.validated.empty() && is_at_or_below(v, domain)) c.validated = v;
    if (c.validated.empty() && !validated_.empty()) c.validated = validated_.front();
    return c;
}

void Evaluator::load(std::string domain, bool via_redirect) {
    Frame f;
    f.domain = std::move(domain);
    f.via_redirect = via_redirect;
    frames_.push_back(std::move(f));
    const std::string name = frames_.back().domain;
    ask(name, dns::RrType::TXT, [this](const dns::Answer& a) { on_txt(a); });
}

// Section 4.5: keep the "v=spf1" records; none is none, two are permerror.
void Evaluator::on_txt(const dns::Answer& a) {
    Frame& f = frames_.back();
    if (dns_trouble(a, dns::RrType::TXT, f.domain)) return;
    std::vector<const std::string*> spf;
    for (const std::string& t : a.txt)
        if (is_spf_record(t)) spf.push_back(&t);
    if (spf.empty()) {
        frame_done(Result::None, f.domain + " has no SPF record");
        return;
    }
    if (spf.size() > 1) {
        frame_done(Result::PermError, f.domain + " has " + std::to_string(spf.size()) + " SPF records");
        return;
    }
    auto rec = parse_record(*spf.front());
    if (!rec) {
        frame_done(Result::PermError, "SPF record of " + f.domain + ": " + rec.error().message);
        return;
    }
    f.record = std::move(*rec);
    run();
}

void Evaluator::run() {
    Frame& f = frames_.back();
    while (f.next < f.record.mechanisms.size()) {
        const Mechanism& m = f.record.mechanisms[f.next];
        switch (m.kind) {
        case MechanismKind::All:
            matched();
            return;
        case MechanismKind::Ip4:
        case MechanismKind::Ip6:
            if (ip_.in(m.network, m.network.v6 ? m.cidr6 : m.cidr4)) {
                matched();
                return;
            }
            ++f.next;
            continue;
        default:
            dns_term(m);
            return;
        }
    }
    // Section 5.1: with "all" anywhere, redirect= is ignored.
    if (f.record.redirect && !f.record.has_all()) {
        redirect();
        return;
    }
    frame_done(Result::Neutral);  // section 4.7
}

void Evaluator::next_term() {
    ++frames_.back().next;
    run();
}

void Evaluator::matched() {
    const Mechanism& m = frames_.back().record.mechanisms[frames_.back().next];
    const Result r = result_of(m.qualifier);
    if (frames_.size() > 1) {
        frame_done(r);
        return;
    }
    outcome_.mechanism = m.text;
    if (r == Result::Fail) {
        fetch_exp();
        return;
    }
    frame_done(r);
}

void Evaluator::frame_done(Result r, std::string problem) {
    if (r == Result::None && frames_.back().via_redirect) {
        r = Result::PermError;  // section 6.1
        problem = "redirect target " + problem;
    }
    if (r != Result::None && r != Result::PermError && r != Result::TempError) problem.clear();
    frames_.pop_back();
    if (frames_.empty()) {
        if (r == Result::None) problem.clear();
        finish(r, std::move(problem));
        return;
    }
    // Section 5.2: what the included check_host() means for "include".
    switch (r) {
    case Result::Pass: matched(); return;
    case Result::Fail:
    case Result::SoftFail:
    case Result::Neutral: next_term(); return;
    case Result::None: finish(Result::PermError, "include target " + problem); return;
    case Result::TempError:
    case Result::PermError: finish(r, std::move(problem)); return;
    }
}

void Evaluator::expand_target(const std::string& spec, bool counted, std::function<void(std::string)> then) {
    auto go = [this, spec, then = std::move(then)] {
        auto e = expand_macros(spec, context(frames_.back().domain));
        if (!e) {
            finish(Result::PermError, "macro expansion of \"" + printable(spec) + "\" is too long");
            return;
        }
        then(truncate_domain(*e));
    };
    if (!uses_validated_name(spec) || have_validated_) {
        go();
        return;
    }
    // Section 4.6.4: %{p} queries DNS and counts as one term.
    if (counted && !count_lookup()) return;
    ptr_walk([this, go = std::move(go)](Status) {
        have_validated_ = true;
        validated_ = ptr_valid_;
        go();
    });
}

// Section 5.5: the PTR names of <ip> (first 10) whose A/AAAA include <ip>.
// DNS errors are not errors here: a failed PTR lookup validates nothing and
// a failed address lookup skips that name.
void Evaluator::ptr_walk(std::function<void(Status)> then) {
    ptr_then_ = std::move(then);
    ptr_candidates_.clear();
    ptr_valid_.clear();
    ptr_index_ = 0;
    const std::string name = dns::reverse_name(ip_.text(), ip_.v6 ? "ip6.arpa" : "in-addr.arpa");
    ask(name, dns::RrType::PTR, [this](const dns::Answer& a) {
        if (a.status != Status::Ok) {
            auto t = std::move(ptr_then_);
            t(a.status);
            return;
        }
        ptr_candidates_ = a.names;
        if (ptr_candidates_.size() > kMaxPtrNames) ptr_candidates_.resize(kMaxPtrNames);
        ptr_next();
    });
}

void Evaluator::ptr_next() {
    if (ptr_index_ >= ptr_candidates_.size()) {
        auto t = std::move(ptr_then_);
        t(Status::Ok);
        return;
    }
    const std::string name = ptr_candidates_[ptr_index_];
    ask(name, ip_.v6 ? dns::RrType::AAAA : dns::RrType::A, [this, name](const dns::Answer& a) {
        if (a.status == Status::Ok && matches(a.addresses, 32, 128)) ptr_valid_.push_back(name);
        ++ptr_index_;
        ptr_next();
    });
}

bool Evaluator::matches(const std::vector<std::string>& addresses, int cidr4, int cidr6) const {
    for (const std::string& s : addresses) {
        const auto a = Address::parse(s);
        if (a && ip_.in(*a, ip_.v6 ? cidr6 : cidr4)) return true;
    }
    return false;
}

void Evaluator::dns_term(const Mechanism& mech) {
    if (!count_lookup()) return;
    const Mechanism m = mech;  // frames_ may grow (include) and move it
    if (m.domain.empty()) {  // a, mx, ptr without ":domain"
        address_term(m, frames_.back().domain);
        return;
    }
    expand_target(m.domain, true, [this, m](std::string target) { address_term(m, target); });
}

void Evaluator::address_term(const Mechanism& m, const std::string& target) {
    switch (m.kind) {
    case MechanismKind::Include:
        if (!is_checkable_domain(target)) {
            finish(Result::PermError, "include target \"" + printable(target) + "\" is not a domain name");
            return;
        }
        load(target, false);
        return;
    case MechanismKind::A: {
        const dns::RrType type = ip_.v6 ? dns::RrType::AAAA : dns::RrType::A;
        ask(target, type, [this, m, target, type](const dns::Answer& a) {
            if (dns_trouble(a, type, target) || !count_void(a)) return;
            if (a.status == Status::Ok && matches(a.addresses, m.cidr4, m.cidr6)) matched();
            else next_term();
        });
        return;
    }
    case MechanismKind::Mx:
        mx_term(m, target);
        return;
    case MechanismKind::Ptr:
        ptr_walk([this, target](Status s) {
            if (s == Status::NxDomain || s == Status::NoData) {
                dns::Answer none;
                none.status = s;
                if (!count_void(none)) return;
            }
            for (const std::string& v : ptr_valid_) {
                if (is_at_or_below(v, target)) {
                    matched();
                    return;
                }
            }
            next_term();
        });
        return;
    case MechanismKind::Exists:
        // Section 5.7: always an A query, whatever the client's family.
        ask(target, dns::RrType::A, [this, target](const dns::Answer& a) {
            if (dns_trouble(a, dns::RrType::A, target) || !count_void(a)) return;
            if (a.status == Status::Ok) matched();
            else next_term();
        });
        return;
    default:
        next_term();
        return;
    }
}

void Evaluator::mx_term(const Mechanism& m, const std::string& target) {
    mx_cidr4_ = m.cidr4;
    mx_cidr6_ = m.cidr6;
    ask(target, dns::RrType::MX, [this, target](const dns::Answer& a) {
        if (dns_trouble(a, dns::RrType::MX, target) || !count_void(a)) return;
        if (a.mx.size() > kMaxMxNames) {
            finish(Result::PermError, target + " has more than " + std::to_string(kMaxMxNames) + " MX records");
            return;
        }
        mx_hosts_.clear();
        for (const dns::Mx& mx : a.mx)
            if (!mx.host.empty()) mx_hosts_.push_back(mx.host);  // a null MX (RFC 7505) names no host
        mx_index_ = 0;
        mx_next();
    });
}

void Evaluator::mx_next() {
    if (mx_index_ >= mx_hosts_.size()) {
        next_term();
        return;
    }
    const std::string host = mx_hosts_[mx_index_++];
    const dns::RrType type = ip_.v6 ? dns::RrType::AAAA : dns::RrType::A;
    ask(host, type, [this, host, type](const dns::Answer& a) {
        if (dns_trouble(a, type, host)) return;
        if (a.status == Status::Ok && matches(a.addresses, mx_cidr4_, mx_cidr6_)) matched();
        else mx_next();
    });
}

// Section 6.1: the result of redirect= is that of check_host() on its target,
// and a target without a record is permerror.
void Evaluator::redirect() {
    if (!count_lookup()) return;
    const std::string spec = *frames_.back().record.redirect;
    expand_target(spec, true, [this](std::string target) {
        if (!is_checkable_domain(target)) {
            finish(Result::PermError, "redirect target \"" + printable(target) + "\" is not a domain name");
            return;
        }
        frames_.pop_back();
        load(target, true);
    });
}

// Section 6.2: the explanation; any trouble getting it leaves the default,
// never another result.
void Evaluator::fetch_exp() {
    const std::optional<std::string>& exp = frames_.back().record.exp;
    if (!exp) {
        fail_with(std::string(kDefaultExplanation), false);
        return;
    }
    expand_target(*exp, false, [this](std::string target) {
        if (!is_checkable_domain(target)) {
            fail_with(std::string(kDefaultExplanation), false);
            return;
        }
        ask(target, dns::RrType::TXT, [this](const dns::Answer& a) {
            if (a.status != Status::Ok || a.txt.size() != 1 ||
                !check_macro_syntax(a.txt.front(), MacroKind::Explain).empty()) {
                fail_with(std::string(kDefaultExplanation), false);
                return;
            }
            fail_with(a.txt.front(), true);
        });
    });
}

void Evaluator::fail_with(std::string explanation, bool from_exp) {
    auto text = expand_macros(explanation, context(frames_.back().domain));
    if (!text && from_exp) {
        fail_with(std::string(kDefaultExplanation), false);
        return;
    }
    outcome_.explanation = printable(text.value_or(""), kMaxExplanationOctets);
    outcome_.explanation_from_exp = from_exp;
    frame_done(Result::Fail);
}

}  // namespace

std::string_view result_name(Result r) {
    switch (r) {
    case Result::None: return "none";
    case Result::Neutral: return "neutral";
    case Result::Pass: return "pass";
    case Result::Fail: return "fail";
    case Result::SoftFail: return "softfail";
    case Result::TempError: return "temperror";
    case Result::PermError: return "permerror";
    }
    return "none";
}

std::unique_ptr<Check> check(dns::Resolver& r, Request req, std::function<void(const Outcome&)> done) {
    auto e = std::make_unique<Evaluator>(r, std::move(req), std::move(done));
    e->start();
    return e;
}

}  // namespace tern::spf
