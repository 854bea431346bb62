// The asynchronous DMARC check (RFC 7489 6.6.3 policy discovery, then
// evaluate.h): smtpd starts one per message once SPF and DKIM are known, and
// gets the Outcome from its loop.
//   1. TXT _dmarc.<From domain>; keep the records that start with v=DMARC1.
//   2. None there, and the organizational domain differs: TXT _dmarc.<org domain>.
//   3. Several DMARC records at the domain asked → none (6.6.3 step 5).
//      DNS trouble (SERVFAIL, timeout, DNSSEC bogus) → temperror.
//   4. Record at the organizational domain with an np tag: A, AAAA and MX of
//      the From domain tell whether it exists (RFC 9091 4: NXDOMAIN for all three).
//   5. evaluate().
#pragma once

#include <functional>
#include <memory>

#include "libmail/dmarc/evaluate.h"
#include "libmail/dns/resolver.h"

namespace tern::dmarc {

// Destroying a Check before done runs cancels it (done is never called).
class Check {
public:
    virtual ~Check() = default;
};

using CheckDone = std::function<void(const Outcome&)>;

// resolver and psl must outlive the Check. done runs once, from the loop,
// never inside check() (also for a permerror found without DNS). done may
// destroy the Check.
[[nodiscard]] std::unique_ptr<Check> check(dns::Resolver& resolver, const PublicSuffixList& psl, Input in,
                                           CheckDone done, Percent percent = default_percent());

}  // namespace tern::dmarc
