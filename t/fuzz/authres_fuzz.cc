// Fuzz target: what smtpd reads of a message's header for sender
// authentication: the authserv-id of an incoming Authentication-Results
// (dropped when it claims ours), the quarantine mark, and the From domains
// DMARC evaluates; and what it writes back: a header field whose values
// come from the message (they must come out as one well-formed field).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "libmail/authres/authentication_results.h"
#include "libmail/authres/quarantine.h"
#include "libmail/authres/sender_auth.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tern::authres;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    (void)claims_authserv_id(in, "mx.example.test");
    (void)authserv_id_of(in);
    (void)has_quarantine_mark(in);
    (void)is_quarantine_field(in);
    for (const auto& d : from_domains(in))
        if (d.find('@') != std::string::npos) std::abort();  // a domain never keeps the local part's '@'
    const std::string field = format_header(
        "mx.example.test", {{"dkim", "fail", std::string(in), std::string(in), {{"header.d", std::string(in)}}}});
    // One field: every line after the first is a continuation.
    for (std::size_t i = field.find('\n'); i != std::string::npos && i + 1 < field.size(); i = field.find('\n', i + 1))
        if (field[i + 1] != '\t' && field[i + 1] != ' ') std::abort();
    if (field.find('\r') != std::string::npos) std::abort();
    return 0;
}
