#include "libmail/dmarc/check.h"

namespace tern::dmarc {

namespace {

using Status = dns::Answer::Status;

class CheckImpl final : public Check {
public:
    CheckImpl(dns::Resolver& r, const PublicSuffixList& psl, Input in, CheckDone done, Percent percent)
        : resolver_(r), psl_(psl), in_(std::move(in)), done_(std::move(done)), percent_(std::move(percent)) {}

    void start() {
        std::string why;
        auto from = single_from_domain(in_.from_domains, &why);
        if (!from) {
            // Answer from the loop all the same: a query for a name that
            // cannot exist answers NxDomain without DNS, and later.
            q_[0] = resolver_.query("", dns::RrType::TXT, [this](const dns::Answer&) {
                finish(evaluate(in_, found_, psl_, percent_));
            });
            return;
        }
        from_ = *from;
        org_ = psl_.organizational_domain(from_);
        ask_policy(from_);
    }

private:
    void ask_policy(const std::string& domain) {
        found_.domain = domain;
        q_[0] = resolver_.query("_dmarc." + domain, dns::RrType::TXT, [this](const dns::Answer& a) { on_policy(a); });
    }

    void on_policy(const dns::Answer& a) {
        if (a.status == Status::TempFail || a.status == Status::Bogus) {
            Outcome o = evaluate(in_, Found{}, psl_, percent_);
            o.result = DmarcResult::TempError;
            o.policy_domain = found_.domain;
            o.reason = "DNS lookup of _dmarc." + found_.domain + " failed: " + a.error;
            return finish(std::move(o));
        }
        std::vector<const std::string*> records;
        for (const auto& txt : a.txt)
            if (is_dmarc_record(txt)) records.push_back(&txt);
        if (records.empty()) {
            if (found_.domain == from_ && org_ != from_ && !org_.empty()) return ask_policy(org_);
            return finish(none("no DMARC record at _dmarc." + from_ + (org_ != from_ ? " or _dmarc." + org_ : "")));
        }
        if (records.size() > 1) return finish(none("several DMARC records at _dmarc." + found_.domain));
        auto rec = parse_record(*records.front());
        if (!rec) return finish(none(rec.error().message + " at _dmarc." + found_.domain));
        found_.record = std::move(*rec);
        found_.at_organizational_domain = found_.domain != from_;
        if (found_.at_organizational_domain && found_.record->np) return ask_exists();
        finish(evaluate(in_, found_, psl_, percent_));
    }

    // RFC 9091 4: the From domain does not exist when A, AAAA and MX all say NXDOMAIN.
    void ask_exists() {
        pending_ = 3;
        const dns::RrType types[] = {dns::RrType::A, dns::RrType::AAAA, dns::RrType::MX};
        for (int i = 0; i < 3; ++i)
            q_[i] = resolver_.query(from_, types[i], [this](const dns::Answer& a) {
                if (a.status != Status::NxDomain) found_.from_domain_exists = true;
                if (--pending_ == 0) finish(evaluate(in_, found_, psl_, percent_));
            });
        found_.from_domain_exists = false;
    }

    Outcome none(std::string why) {
        Found nothing;
        Outcome o = evaluate(in_, nothing, psl_, percent_);
        o.reason = std::move(why);
        return o;
    }

    // done may destroy this: nothing after it.
    void finish(Outcome o) {
        CheckDone done = std::move(done_);
        if (done) done(o);
    }

    dns::Resolver& resolver_;
    const PublicSuffixList& psl_;
    Input in_;
    CheckDone done_;
    Percent percent_;
    std::string from_, org_;
    Found found_;
    int pending_ = 0;
    std::unique_ptr<dns::Query> q_[3];
};

}  // namespace

std::unique_ptr<Check> check(dns::Resolver& resolver, const PublicSuffixList& psl, Input in, CheckDone done,
                             Percent percent) {
    auto c = std::make_unique<CheckImpl>(resolver, psl, std::move(in), std::move(done), std::move(percent));
    c->start();
    return c;
}

}  // namespace tern::dmarc
