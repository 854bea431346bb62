// check_host() of RFC 7208 section 4, asynchronous on dns::Resolver: record
// selection, the mechanisms and modifiers, the DNS lookup limits (10 terms
// that query DNS, 2 void lookups, 10 MX names, 10 PTR names), include and
// redirect, and exp= explanations.
//
// The identity: with a MAIL FROM address its domain is checked ("mailfrom");
// with the null sender the HELO name is checked with postmaster@HELO as the
// sender ("helo", RFC 7208 section 2.4). To check the HELO identity of a
// session whose MAIL FROM is not null, pass an empty sender. A name that is
// not a fully qualified domain name (an address literal HELO) gives none.
#pragma once

#include <functional>
#include <memory>

#include "libmail/dns/resolver.h"
#include "libmail/spf/outcome.h"
#include "libmail/spf/received_spf.h"

namespace tern::spf {

class Check {
public:
    virtual ~Check() = default;  // destroying it cancels the check (no callback)
};

// Starts a check. done runs once, later, from the loop (never inside
// check()); it may destroy the Check. A check still running after 20
// seconds ends as temperror at its next DNS answer (RFC 7208 section 4.6.4
// asks for an overall time limit).
std::unique_ptr<Check> check(dns::Resolver& r, Request req, std::function<void(const Outcome&)> done);

// The explanation used for a fail when the record has no usable exp=
// (macro-string, expanded like exp text).
inline constexpr std::string_view kDefaultExplanation = "%{c} is not allowed to send mail for %{o}";

}  // namespace tern::spf
