#include "libmail/dkim/signature.h"

#include "libmail/core/text.h"
#include "libmail/dkim/crypto.h"
#include "libmail/dkim/tag_list.h"

namespace tern::dkim {

namespace {

// RFC 6376 3.5: t= and x= are at most 12 digits; l= at most 76.
constexpr std::size_t kMaxTimeDigits = 12;
constexpr std::size_t kMaxLengthDigits = 76;

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// A domain as DKIM needs it: dot-separated labels of letters, digits, '-'
// and '_' (selectors use '_'), or UTF-8 (RFC 8616).
bool is_domainish(std::string_view s) {
    if (s.empty() || s.size() > 255 || s.front() == '.' || s.back() == '.') return false;
    char prev = 0;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_' || c == '.' || u >= 0x80;
        if (!ok || (c == '.' && prev == '.')) return false;
        prev = c;
    }
    return true;
}

}  // namespace

std::string_view algorithm_name(Algorithm a) {
    switch (a) {
    case Algorithm::RsaSha256: return "rsa-sha256";
    case Algorithm::Ed25519Sha256: return "ed25519-sha256";
    }
    return "?";
}

bool is_signature_field(std::string_view name) { return iequals(name, "DKIM-Signature"); }

Result<Signature, SignatureError> parse_signature(std::string_view value) {
    SignatureError err;
    auto fail = [&err](std::string reason) {
        err.reason = std::move(reason);
        return err;
    };
    auto tags = parse_tag_list(value);
    if (!tags) return fail(tags.error().message);
    auto get = [&](std::string_view n) -> const Tag* { return tags->find(n); };
    // Identity first, so that every later error can still name the signer.
    if (const Tag* d = get("d")) err.domain = to_lower(d->value);
    if (const Tag* s = get("s")) err.selector = to_lower(s->value);
    if (const Tag* a = get("a")) err.algorithm = to_lower(a->value);
    if (const Tag* b = get("b")) err.b_prefix = strip_space(b->value).substr(0, 8);

    for (std::string_view required : {"v", "a", "b", "bh", "d", "h", "s"})
        if (!get(required)) return fail("missing tag " + std::string(required) + "=");
    if (get("v")->value != "1") return fail("unsupported version v=" + get("v")->value);

    Signature sig;
    sig.algorithm_text = err.algorithm;
    if (err.algorithm == "rsa-sha256") {
        sig.algorithm = Algorithm::RsaSha256;
    } else if (err.algorithm == "ed25519-sha256") {
        sig.algorithm = Algorithm::Ed25519Sha256;
    } else if (err.algorithm == "rsa-sha1") {
        return fail("rsa-sha1 is not accepted (RFC 8301)");
    } else {
        return fail("unknown algorithm " + get("a")->value);
    }

    const Tag* b = get("b");
    auto bdec = base64_decode(b->value);
    if (!bdec || bdec->empty()) return fail("bad b= value");
    sig.b = std::move(*bdec);
    sig.b_text = strip_space(b->value);
    sig.b_raw_begin = b->raw_begin;
    sig.b_raw_end = b->raw_end;
    auto bh = base64_decode(get("bh")->value);
    if (!bh || bh->size() != 32) return fail("bad bh= value");
    sig.bh = std::move(*bh);

    if (const Tag* c = get("c")) {
        auto [hc, bc] = split_once(c->value, '/');
        auto canon = [](std::string_view s, Canon& out) {
            if (s == "simple") out = Canon::Simple;
            else if (s == "relaxed") out = Canon::Relaxed;
            else return false;
            return true;
        };
        if (!canon(to_lower(hc), sig.header_canon)) return fail("unknown canonicalization " + c->value);
        if (!bc.empty() && !canon(to_lower(bc), sig.body_canon)) return fail("unknown canonicalization " + c->value);
        if (bc.empty() && c->value.find('/') != std::string::npos) return fail("unknown canonicalization " + c->value);
    }

    sig.domain = err.domain;
    sig.selector = err.selector;
    if (!is_domainish(sig.domain)) return fail("bad d= value");
    if (!is_domainish(sig.selector)) return fail("bad s= value");

    const std::string hlist = strip_space(get("h")->value);
    for (std::string_view h : split_any(hlist, ":")) sig.headers.push_back(to_lower(h));
    if (sig.headers.empty()) return fail("empty h= value");
    bool has_from = false;
    for (const auto& h : sig.headers) has_from = has_from || h == "from";
    if (!has_from) return fail("h= does not include From");

    if (const Tag* i = get("i")) {
        sig.identity = i->value;
        const auto at = i->value.rfind('@');
        if (at == std::string::npos) return fail("bad i= value");
        const std::string idom = to_lower(std::string_view(i->value).substr(at + 1));
        const bool inside = idom == sig.domain ||
                            (idom.size() > sig.domain.size() && idom.ends_with(sig.domain) &&
                             idom[idom.size() - sig.domain.size() - 1] == '.');
        if (!inside) return fail("i= domain not within d=");
    } else {
        sig.identity = "@" + sig.domain;
    }

    if (const Tag* q = get("q")) {
        bool dns = false;
        const std::string methods = strip_space(q->value);
        for (std::string_view m : split_any(methods, ":")) dns = dns || iequals(m, "dns/txt");
        if (!dns) return fail("unsupported query method q=" + q->value);
    }
    if (const Tag* l = get("l")) {
        if (!all_digits(l->value) || l->value.size() > kMaxLengthDigits) return fail("bad l= value");
        // A length beyond 64 bits is longer than any body we accept.
        sig.length = parse_number<std::uint64_t>(l->value).value_or(UINT64_MAX);
    }
    auto time_tag = [&](std::string_view n, std::optional<std::int64_t>& out) {
        const Tag* t = get(n);
        if (!t) return true;
        if (!all_digits(t->value) || t->value.size() > kMaxTimeDigits) return false;
        out = parse_number<std::int64_t>(t->value);
        return out.has_value();
    };
    if (!time_tag("t", sig.timestamp)) return fail("bad t= value");
    if (!time_tag("x", sig.expiration)) return fail("bad x= value");
    if (sig.timestamp && sig.expiration && *sig.expiration < *sig.timestamp) return fail("x= is before t=");
    return sig;
}

}  // namespace tern::dkim
