#include "libmail/dmarc/evaluate.h"

#include <cctype>
#include <random>

#include "libmail/core/text.h"

namespace tern::dmarc {

std::string_view to_string(DmarcResult r) {
    switch (r) {
        case DmarcResult::Pass: return "pass";
        case DmarcResult::Fail: return "fail";
        case DmarcResult::None: return "none";
        case DmarcResult::TempError: return "temperror";
        case DmarcResult::PermError: return "permerror";
    }
    return "none";
}

std::string_view to_string(Disposition d) {
    switch (d) {
        case Disposition::None: return "none";
        case Disposition::Quarantine: return "quarantine";
        case Disposition::Reject: return "reject";
    }
    return "none";
}

std::string authentication_results_clause(const Outcome& o) {
    std::string out = "dmarc=" + std::string(to_string(o.result));
    if (o.record)
        out += " (p=" + std::string(to_string(o.policy)) + " dis=" + std::string(to_string(o.disposition)) + ")";
    // header.from is a domain: only characters a domain may hold, so the header stays well-formed.
    bool plain = !o.from_domain.empty();
    for (char c : o.from_domain)
        plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_');
    if (plain) out += " header.from=" + o.from_domain;
    return out;
}

Percent default_percent() {
    return [] {
        thread_local std::mt19937 gen{std::random_device{}()};
        return static_cast<int>(std::uniform_int_distribution<int>(0, 99)(gen));
    };
}

bool aligned(std::string_view a, std::string_view b, Alignment mode, const PublicSuffixList& psl) {
    const std::string na = normalize_domain(a), nb = normalize_domain(b);
    if (na.empty() || nb.empty()) return false;
    if (na == nb) return true;
    return mode == Alignment::Relaxed && psl.organizational_domain(na) == psl.organizational_domain(nb);
}

std::optional<std::string> single_from_domain(const std::vector<std::string>& from_domains, std::string* why) {
    std::string out;
    for (const auto& d : from_domains) {
        const std::string n = normalize_domain(d);
        if (n.empty()) {
            if (why) *why = "From domain \"" + printable(d, 100) + "\" is not a domain name";
            return std::nullopt;
        }
        if (!out.empty() && n != out) {
            if (why) *why = "several From domains (" + out + ", " + n + ")";
            return std::nullopt;
        }
        out = n;
    }
    if (out.empty() && why) *why = "no From domain";
    if (out.empty()) return std::nullopt;
    return out;
}

namespace {

Disposition weaker(Policy p) {
    switch (p) {
        case Policy::Reject: return Disposition::Quarantine;
        case Policy::Quarantine:
        case Policy::None: return Disposition::None;
    }
    return Disposition::None;
}

Disposition as_disposition(Policy p) {
    switch (p) {
        case Policy::None: return Disposition::None;
        case Policy::Quarantine: return Disposition::Quarantine;
        case Policy::Reject: return Disposition::Reject;
    }
    return Disposition::None;
}

}  // namespace

Outcome evaluate(const Input& in, const Found& found, const PublicSuffixList& psl, const Percent& percent) {
    Outcome out;
    std::string why;
    auto from = single_from_domain(in.from_domains, &why);
    if (!from) {
        out.result = DmarcResult::PermError;
        out.reason = why;
        return out;
    }
    out.from_domain = *from;
    if (!found.record) {
        out.result = DmarcResult::None;
        out.reason = "no DMARC record for " + out.from_domain;
        return out;
    }
    const Record& rec = *found.record;
    out.record = rec;
    out.policy_domain = found.domain;

    out.spf_aligned = iequals(in.spf.result, "pass") && aligned(in.spf.domain, out.from_domain, rec.aspf, psl);
    std::string dkim_domain;
    for (const auto& sig : in.dkim) {
        if (iequals(sig.result, "pass") && aligned(sig.domain, out.from_domain, rec.adkim, psl)) {
            out.dkim_aligned = true;
            dkim_domain = to_lower(sig.domain);
            break;
        }
    }
    // RFC 7489 6.6.3 / RFC 9091 4: p for the domain that published the record,
    // sp for its subdomains, np for subdomains that do not exist.
    const bool subdomain = out.from_domain != normalize_domain(found.domain);
    out.policy = !subdomain ? rec.p : found.from_domain_exists ? rec.subdomain_policy() : rec.nonexistent_policy();

    if (out.spf_aligned || out.dkim_aligned) {
        out.result = DmarcResult::Pass;
        out.reason = out.dkim_aligned ? "DKIM aligned (d=" + dkim_domain + ")"
                                      : "SPF aligned (" + to_lower(in.spf.domain) + ")";
        return out;
    }
    out.result = DmarcResult::Fail;
    out.disposition = as_disposition(out.policy);
    out.reason = "no aligned SPF or DKIM pass; policy " + std::string(to_string(out.policy)) + " of " +
                 out.policy_domain;
    if (rec.pct < 100 && out.policy != Policy::None && percent() >= rec.pct) {
        out.sampled_out = true;
        out.disposition = weaker(out.policy);
        out.reason += " (sampled out by pct=" + std::to_string(rec.pct) + ")";
    }
    return out;
}

}  // namespace tern::dmarc
