// The streaming DKIM verifier (RFC 6376 6, RFC 8301, RFC 8463) for the
// message path: header fields, then body chunks, arrive as the message
// streams in; the body is hashed on the fly and never held. Key lookups go
// through dns::Resolver and may overlap the body. Memory: the header block
// (at most kMaxHeaderBlockOctets, only until end_of_headers) plus O(1) per
// signature. Results use the RFC 8601 names (pass, fail, neutral, policy,
// permerror, temperror).
#pragma once

#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/dns/resolver.h"
#include "libmail/event/event_ptrs.h"

namespace tern::dkim {

inline constexpr std::size_t kMaxHeaderBlockOctets = 1024 * 1024;

enum class Status { Pass, Fail, Neutral, Policy, PermError, TempError };
std::string_view status_name(Status s);  // "pass", "fail", ... (RFC 8601 2.7.1)

struct SignatureResult {
    Status status = Status::TempError;
    std::string domain, selector, algorithm;
    std::string identity;   // i=, or "@" + d=
    std::string reason;     // why, for anything but pass: "body hash did not verify", "no key", ...
    std::string b_prefix;   // first 8 characters of b=, for header.b (RFC 6008)
    bool testing = false;   // the key record says t=y
};

struct VerifyOptions {
    std::size_t max_signatures = 5;        // dkim_max_signatures: later ones are ignored (counted)
    bool allow_body_length = false;        // dkim_allow_body_length: else l= short of the body is Policy
    int min_rsa_bits = 1024;               // dkim_min_rsa_key_bits (RFC 8301 3.2)
    std::time_t now = 0;                   // verification time for x=; 0: the clock
};

class Verifier {
public:
    explicit Verifier(VerifyOptions opts);
    ~Verifier();  // cancels pending lookups; done never runs afterwards
    Verifier(const Verifier&) = delete;
    Verifier& operator=(const Verifier&) = delete;

    // One whole header field: name, ':', value with its folded lines, LF line
    // ends, ending with its LF. A header block over kMaxHeaderBlockOctets is
    // not verified: results() then holds one permerror ("header too large").
    void header(std::string_view field);
    // Parses the DKIM-Signature fields found (the first max_signatures) and
    // hashes the header fields each one signs; the header block is released.
    void end_of_headers();
    bool has_signatures() const { return !entries_.empty(); }
    // Signature fields beyond max_signatures (not verified, not in results()).
    std::size_t ignored_signatures() const { return ignored_; }

    // Body octets (LF line ends), in chunks of any size.
    void body(std::string_view chunk);
    void end_of_body();

    // Fetches each key (SELECTOR._domainkey.DOMAIN TXT) and verifies. Call
    // once (even without signatures: done still runs), after end_of_headers, before or after end_of_body: lookups then
    // overlap the body. done runs once, from base's loop, never inside
    // verify() or end_of_body(), when every key is in and the body has ended.
    // resolver and base must outlive the Verifier.
    void verify(event_base* base, dns::Resolver& resolver, std::function<void()> done);

    // One result per verified signature, in message order; final once done ran.
    const std::vector<SignatureResult>& results() const { return results_; }

private:
    struct Entry;
    void key_answer(std::size_t index, const dns::Answer& a);
    void maybe_finish();
    void conclude(std::size_t index);
    static void on_done_timer(evutil_socket_t, short, void* self) noexcept;

    VerifyOptions opts_;
    std::vector<std::string> fields_;
    std::size_t header_octets_ = 0;
    bool header_overflow_ = false;
    std::vector<std::unique_ptr<Entry>> entries_;
    std::vector<SignatureResult> results_;
    std::size_t ignored_ = 0;
    bool body_ended_ = false;
    bool verify_started_ = false;
    bool finished_ = false;
    std::size_t pending_keys_ = 0;
    std::function<void()> done_;
    EventPtr done_timer_;
};

}  // namespace tern::dkim
