#include "libmail/dkim/key_record.h"

#include <mutex>
#include <unordered_map>

#include "libmail/core/text.h"
#include "libmail/dkim/tag_list.h"

namespace tern::dkim {

namespace {

// Decoding a key is the dearest step of a verification after the signature
// itself (OpenSSL 3 looks up decoders each time); mail from one sender
// carries the same key over and over, so decoded keys are kept.
constexpr std::size_t kMaxCachedKeys = 256;

Result<PkeyPtr> cached_public_key(KeyType type, const std::string& der) {
    static std::mutex lock;
    static std::unordered_map<std::string, PkeyPtr> cache;
    const std::string id = std::string(1, type == KeyType::Rsa ? 'r' : 'e') + der;
    {
        std::lock_guard<std::mutex> g(lock);
        if (auto it = cache.find(id); it != cache.end()) return it->second;
    }
    auto key = public_key_from_der(type, der);
    if (!key) return key.error();
    std::lock_guard<std::mutex> g(lock);
    if (cache.size() >= kMaxCachedKeys) cache.clear();
    cache.emplace(id, *key);
    return key;
}

}  // namespace

Result<KeyRecord> parse_key_record(std::string_view txt) {
    if (txt.size() > kMaxKeyRecordOctets) return Error("key record too long");
    auto tags = parse_tag_list(txt);
    if (!tags) return Error("bad key record: " + tags.error().message);
    KeyRecord rec;
    if (const Tag* v = tags->find("v")) {
        if (v->value != "DKIM1") return Error("bad key record: v=" + v->value);
        if (&tags->tags().front() != v) return Error("bad key record: v= is not first");
    }
    if (const Tag* k = tags->find("k")) {
        if (k->value == "rsa") rec.type = KeyType::Rsa;
        else if (k->value == "ed25519") rec.type = KeyType::Ed25519;
        else return Error("unknown key type k=" + k->value);
    }
    if (const Tag* h = tags->find("h")) {
        const std::string list = strip_space(h->value);
        bool sha256 = false;
        for (std::string_view a : split_any(list, ":")) {
            rec.hashes.emplace_back(a);
            sha256 = sha256 || a == "sha256";
        }
        if (!sha256) return Error("key record h= does not allow sha256");
    }
    if (const Tag* s = tags->find("s")) {
        const std::string list = strip_space(s->value);
        bool email = false;
        for (std::string_view a : split_any(list, ":")) email = email || a == "*" || a == "email";
        if (!email) return Error("key record is not for email (s=" + s->value + ")");
    }
    if (const Tag* t = tags->find("t")) {
        const std::string list = strip_space(t->value);
        for (std::string_view f : split_any(list, ":")) {
            rec.testing = rec.testing || f == "y";
            rec.strict = rec.strict || f == "s";
        }
    }
    const Tag* p = tags->find("p");
    if (!p) return Error("key record without p=");
    const std::string p64 = strip_space(p->value);
    if (p64.empty()) {
        rec.revoked = true;
        return rec;
    }
    auto der = base64_decode(p64);
    if (!der) return Error("key record p= is not base64");
    auto key = cached_public_key(rec.type, *der);
    if (!key) return Error("key record p=: " + key.error().message);
    rec.key = std::move(*key);
    rec.bits = key_bits(rec.key.get());
    return rec;
}

}  // namespace tern::dkim
