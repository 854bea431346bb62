// What an SPF check is asked (Request) and what it found (Outcome), with the
// seven results of RFC 7208 section 2.6.
#pragma once

#include <string>
#include <string_view>

namespace tern::spf {

enum class Result { None, Neutral, Pass, Fail, SoftFail, TempError, PermError };

// "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror".
std::string_view result_name(Result r);

struct Request {
    std::string ip;        // the SMTP client's address
    std::string sender;    // MAIL FROM address; "" or "<>" for the null sender: the HELO identity is checked
    std::string helo;      // HELO/EHLO argument
    std::string receiver;  // our host name, for %{r} and the Received-SPF header
};

struct Outcome {
    Result result = Result::None;
    std::string identity;     // "mailfrom" or "helo"
    std::string domain;       // the domain checked (MAIL FROM's domain, or the HELO name)
    std::string sender;       // the sender address used (postmaster@helo for the null sender)
    std::string explanation;  // fail: expanded exp= text (or the default explanation), else empty
    bool explanation_from_exp = false;  // fail: explanation came from the record's exp=
    std::string problem;      // temperror/permerror: why (for logs and the header comment)
    std::string mechanism;    // the mechanism that matched, e.g. "ip4:192.0.2.0/24", "-all"; empty when none
};

}  // namespace tern::spf
