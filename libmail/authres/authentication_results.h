// Authentication-Results (RFC 8601): the header field in which smtpd records
// what SPF, DKIM and DMARC found, for the user's client and for filters
// further down, and the check that removes a forged one: a field arriving
// from outside that claims our authserv-id (RFC 8601 section 5).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::authres {

// One resinfo: "method=result (comment) ptype.property=value ...".
struct ResInfo {
    std::string method;   // "spf", "dkim", "dmarc", "iprev", "auth"
    std::string result;   // "pass", "fail", "none", ...
    std::string reason;   // reason= (RFC 8601 2.7), empty: none
    std::string comment;  // free text shown in parentheses, empty: none
    std::vector<std::pair<std::string, std::string>> properties;  // {"smtp.mailfrom", "a@b.example"}
};

// The whole field, "Authentication-Results: ID;" then each result on its own
// folded line, separated by ";", LF line ends, final LF. No results: "ID; none".
// Values that are not RFC 2045 tokens (or addresses) are quoted; comments
// have their parentheses and backslashes escaped; control characters go.
std::string format_header(std::string_view authserv_id, const std::vector<ResInfo>& results);

// The authserv-id of an Authentication-Results value (everything after the
// colon, unfolded): leading comments and white space skipped, a token or a
// quoted-string. Nothing for a value that has none.
std::optional<std::string> authserv_id_of(std::string_view value);

// True for an unfolded header field "Authentication-Results: ..." whose
// authserv-id is ours (compared without regard to case). Such a field from
// outside is dropped by cleanup before anything sees it.
bool claims_authserv_id(std::string_view logical_field, std::string_view our_id);

}  // namespace tern::authres
