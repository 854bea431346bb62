// DMARC evaluation without I/O (RFC 7489 3.1 identifier alignment, 6.6.2
// results, 6.6.4 policy, 6.6.4/pct sampling; RFC 9091 np): from the From
// domain, the SPF and DKIM results and the record found, the DMARC result and
// the policy to apply. check.cc finds the record and calls this; tests call it
// directly with a fixed random source.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "libmail/dmarc/public_suffix.h"
#include "libmail/dmarc/record.h"

namespace tern::dmarc {

// pass: an aligned identifier passed. fail: a record applies and none did.
// none: no DMARC record (or several, RFC 7489 6.6.3). temperror: DNS trouble
// finding the record. permerror: the message cannot be evaluated (no usable
// From domain, or several different From domains, see Input).
enum class DmarcResult { Pass, Fail, None, TempError, PermError };

// RFC 7489 appendix C: what the receiver did with the message.
enum class Disposition { None, Quarantine, Reject };

struct SpfInput {
    // RFC 7208 result in lower case: "pass", "fail", "softfail", "neutral",
    // "none", "temperror", "permerror" ("" = SPF not checked: "none").
    std::string result;
    // The domain SPF authenticated: the MAIL FROM domain, or the HELO domain
    // for the null reverse-path (RFC 7489 4.1).
    std::string domain;
    bool helo = false;  // domain is the HELO identity (scope "helo" in reports)
};

struct DkimInput {
    std::string domain;    // the signature's d=
    std::string selector;  // s=, for reports
    std::string result;    // RFC 8601 result: "pass", "fail", "neutral", "policy", "temperror", "permerror", "none"
    bool operator==(const DkimInput&) const = default;
};

struct Input {
    // Domains of the addresses in the RFC 5322 From field(s), as the caller
    // parsed them. Tern's choice for RFC 7489 6.6.1: none, or different
    // domains (after lower-casing) → permerror, which the caller may reject;
    // the same domain repeated counts once.
    std::vector<std::string> from_domains;
    SpfInput spf;
    std::vector<DkimInput> dkim;
    std::string source_ip;     // the connecting client, for reports
    std::string envelope_from; // MAIL FROM domain (empty for <>), for reports
};

// Where the record came from (check.cc).
struct Found {
    std::optional<Record> record;  // absent: none
    std::string domain;            // the domain whose _dmarc record it is
    bool at_organizational_domain = false;
    bool from_domain_exists = true;  // false: NXDOMAIN for the From domain (RFC 9091 np)
};

struct Outcome {
    DmarcResult result = DmarcResult::None;
    Policy policy = Policy::None;     // the policy the record asks for this message (p, sp or np)
    Disposition disposition = Disposition::None;  // what to do: policy, unless sampled out or pass
    std::string from_domain;          // lower case; empty when there was none usable
    std::string policy_domain;        // where the record was found
    bool spf_aligned = false;         // SPF passed for an aligned domain
    bool dkim_aligned = false;        // some DKIM signature passed for an aligned domain
    bool sampled_out = false;         // fail, but pct left this message out (disposition lowered)
    std::optional<Record> record;
    std::string reason;               // one line for the log and Authentication-Results
};

// Returns a uniform number in [0, 100); the default uses a random device.
using Percent = std::function<int()>;
[[nodiscard]] Percent default_percent();

// True when a and b are aligned in mode (RFC 7489 3.1.1/3.1.2): equal, or for
// relaxed with equal organizational domains. Case-insensitive.
[[nodiscard]] bool aligned(std::string_view a, std::string_view b, Alignment mode, const PublicSuffixList& psl);

// The From domain to evaluate, or an error reason for permerror (6.6.1).
[[nodiscard]] std::optional<std::string> single_from_domain(const std::vector<std::string>& from_domains,
                                                            std::string* why);

// Evaluates in with the record found. pct sampling (RFC 7489 6.6.4): a failing
// message is sampled in when percent() < pct; a sampled-out one gets the next
// weaker disposition (reject→quarantine→none).
[[nodiscard]] Outcome evaluate(const Input& in, const Found& found, const PublicSuffixList& psl,
                               const Percent& percent);

// The DMARC clause of an Authentication-Results header (RFC 8601 2.7,
// RFC 7489 11.2), as OpenDMARC writes it:
// "dmarc=fail (p=reject dis=quarantine) header.from=example.com".
[[nodiscard]] std::string authentication_results_clause(const Outcome& o);

[[nodiscard]] std::string_view to_string(DmarcResult r);
[[nodiscard]] std::string_view to_string(Disposition d);

}  // namespace tern::dmarc
