#include "libmail/dkim/verifier.h"

#include <map>

#include "libmail/core/text.h"
#include "libmail/dkim/canon.h"
#include "libmail/dkim/crypto.h"
#include "libmail/dkim/key_record.h"
#include "libmail/dkim/signature.h"

namespace tern::dkim {

struct Verifier::Entry {
    std::optional<Signature> sig;          // set while the signature is still in play
    std::unique_ptr<BodyHasher> body;
    std::string header_digest;
    std::optional<KeyRecord> key;
    std::unique_ptr<dns::Query> query;
    bool decided = false;                  // the result is final already
};

std::string_view status_name(Status s) {
    switch (s) {
    case Status::Pass: return "pass";
    case Status::Fail: return "fail";
    case Status::Neutral: return "neutral";
    case Status::Policy: return "policy";
    case Status::PermError: return "permerror";
    case Status::TempError: return "temperror";
    }
    return "temperror";
}

namespace {

// The header data a signature covers (RFC 6376 3.7): the fields named in
// h=, each taken from the bottom up (a name listed more often than it occurs
// adds nothing), then the signature field with b= emptied and no final CRLF.
std::string signed_header_data(const Signature& sig, const std::vector<std::string>& fields,
                               std::string_view sig_field) {
    std::string data;
    std::map<std::string, std::size_t, std::less<>> used;  // name -> instances consumed from the bottom
    for (const std::string& name : sig.headers) {
        std::size_t& skip = used[name];
        std::size_t seen = 0;
        for (auto it = fields.rbegin(); it != fields.rend(); ++it) {
            if (!iequals(field_name(*it), name)) continue;
            if (seen++ < skip) continue;
            data += canon_header(sig.header_canon, *it);
            break;
        }
        ++skip;
    }
    const auto colon = sig_field.find(':');
    const std::string_view value = sig_field.substr(colon + 1);
    std::string emptied(sig_field.substr(0, colon + 1));
    emptied += value.substr(0, sig.b_raw_begin);
    emptied += value.substr(sig.b_raw_end);
    std::string canon = canon_header(sig.header_canon, emptied);
    canon.resize(canon.size() - 2);  // no CRLF after the signature field itself
    return data + canon;
}

}  // namespace

Verifier::Verifier(VerifyOptions opts) : opts_(opts) {}
Verifier::~Verifier() = default;

void Verifier::header(std::string_view field) {
    if (header_overflow_) return;
    header_octets_ += field.size();
    if (header_octets_ > kMaxHeaderBlockOctets) {
        header_overflow_ = true;
        fields_.clear();
        return;
    }
    fields_.emplace_back(field);
}

void Verifier::end_of_headers() {
    const std::time_t now = opts_.now ? opts_.now : std::time(nullptr);
    for (const std::string& field : fields_) {
        if (!is_signature_field(field_name(field))) continue;
        if (entries_.size() >= opts_.max_signatures) {
            ++ignored_;
            continue;
        }
        auto e = std::make_unique<Entry>();
        SignatureResult r;
        const std::string_view value = std::string_view(field).substr(field.find(':') + 1);
        auto sig = parse_signature(value);
        if (!sig) {
            const SignatureError& err = sig.error();
            r.status = Status::PermError;
            r.reason = err.reason;
            r.domain = err.domain;
            r.selector = err.selector;
            r.algorithm = err.algorithm;
            r.b_prefix = err.b_prefix;
            r.identity = err.domain.empty() ? std::string() : "@" + err.domain;
            e->decided = true;
        } else {
            r.domain = sig->domain;
            r.selector = sig->selector;
            r.algorithm = std::string(algorithm_name(sig->algorithm));
            r.identity = sig->identity;
            r.b_prefix = sig->b_text.substr(0, 8);
            r.reason = "not verified";
            if (sig->expiration && now > *sig->expiration) {
                r.status = Status::Fail;
                r.reason = "signature expired";
                e->decided = true;
            } else {
                e->header_digest = sha256(signed_header_data(*sig, fields_, field));
                e->body = std::make_unique<BodyHasher>(sig->body_canon, sig->length);
                e->sig = std::move(*sig);
            }
        }
        entries_.push_back(std::move(e));
        results_.push_back(std::move(r));
    }
    if (header_overflow_) {
        // The signature fields themselves may be lost; report what cannot be checked.
        SignatureResult r;
        r.status = Status::PermError;
        r.reason = "header too large";
        entries_.push_back(std::make_unique<Entry>());
        entries_.back()->decided = true;
        results_.push_back(std::move(r));
    }
    fields_.clear();
    fields_.shrink_to_fit();
}

void Verifier::body(std::string_view chunk) {
    for (auto& e : entries_)
        if (e->body) e->body->update(chunk);
}

void Verifier::end_of_body() {
    body_ended_ = true;
    maybe_finish();
}

void Verifier::verify(event_base* base, dns::Resolver& resolver, std::function<void()> done) {
    done_ = std::move(done);
    done_timer_.reset(evtimer_new(base, &Verifier::on_done_timer, this));
    verify_started_ = true;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        Entry& e = *entries_[i];
        if (e.decided) continue;
        ++pending_keys_;
        const std::string name = e.sig->selector + "._domainkey." + e.sig->domain;
        e.query = resolver.query(name, dns::RrType::TXT, [this, i](const dns::Answer& a) { key_answer(i, a); });
    }
    maybe_finish();
}

void Verifier::key_answer(std::size_t index, const dns::Answer& a) {
    Entry& e = *entries_[index];
    SignatureResult& r = results_[index];
    --pending_keys_;
    auto decide = [&](Status s, std::string reason) {
        r.status = s;
        r.reason = std::move(reason);
        e.decided = true;
        e.body.reset();
    };
    switch (a.status) {
    case dns::Answer::Status::Ok: break;
    case dns::Answer::Status::NxDomain:
    case dns::Answer::Status::NoData: decide(Status::PermError, "no key"); break;
    case dns::Answer::Status::TempFail:
    case dns::Answer::Status::Bogus: decide(Status::TempError, "key lookup failed: " + a.error); break;
    }
    if (!e.decided) {
        // RFC 6376 3.6.2.2: several records are ambiguous; the first usable one is taken.
        std::string first_error;
        for (const std::string& txt : a.txt) {
            auto rec = parse_key_record(txt);
            if (rec) {
                e.key = std::move(*rec);
                break;
            }
            if (first_error.empty()) first_error = rec.error().message;
        }
        if (!e.key) decide(Status::PermError, first_error.empty() ? "no key" : first_error);
    }
    if (!e.decided) {
        const KeyRecord& k = *e.key;
        const Signature& sig = *e.sig;
        r.testing = k.testing;
        const KeyType want = sig.algorithm == Algorithm::Ed25519Sha256 ? KeyType::Ed25519 : KeyType::Rsa;
        const auto at = sig.identity.rfind('@');
        if (k.revoked) decide(Status::PermError, "key revoked");
        else if (k.type != want) decide(Status::PermError, "key type does not match a=");
        else if (k.type == KeyType::Rsa && k.bits < opts_.min_rsa_bits)
            decide(Status::PermError, "key too short (" + std::to_string(k.bits) + " bits)");
        else if (k.strict && !iequals(sig.identity.substr(at + 1), sig.domain))
            decide(Status::PermError, "key is t=s and i= is a subdomain of d=");
    }
    maybe_finish();
}

void Verifier::conclude(std::size_t index) {
    Entry& e = *entries_[index];
    SignatureResult& r = results_[index];
    if (e.decided) return;
    e.decided = true;
    const Signature& sig = *e.sig;
    const std::string bh = e.body->finish();
    const std::uint64_t body_length = e.body->canonical_length();
    if (sig.length && *sig.length > body_length) {
        r.status = Status::PermError;
        r.reason = "body shorter than l=";
    } else if (bh != sig.bh) {
        r.status = Status::Fail;
        r.reason = "body hash did not verify";
    } else if (!verify_digest(e.key->key.get(), e.header_digest, sig.b)) {
        r.status = Status::Fail;
        r.reason = "signature did not verify";
    } else if (sig.length && *sig.length < body_length && !opts_.allow_body_length) {
        r.status = Status::Policy;
        r.reason = "l= does not cover the whole body";
    } else {
        r.status = Status::Pass;
        r.reason.clear();
    }
    e.body.reset();
}

void Verifier::maybe_finish() {
    if (finished_ || !verify_started_ || !body_ended_ || pending_keys_ > 0) return;
    finished_ = true;
    for (std::size_t i = 0; i < entries_.size(); ++i) conclude(i);
    const timeval zero{0, 0};
    evtimer_add(done_timer_.get(), &zero);
}

void Verifier::on_done_timer(evutil_socket_t, short, void* self) noexcept {
    auto* v = static_cast<Verifier*>(self);
    auto done = std::move(v->done_);
    v->done_ = nullptr;
    if (done) done();  // may destroy the Verifier: nothing touches it afterwards
}

}  // namespace tern::dkim
