// Fuzz target: the DKIM parsers of peer input (RFC 6376): the tag=value
// list, the DKIM-Signature field value and the key record from DNS; and
// the streaming body canonicalization, which must give the same digest
// however the body is cut into chunks.
#include <cstdint>
#include <string>
#include <string_view>

#include "libmail/dkim/canon.h"
#include "libmail/dkim/key_record.h"
#include "libmail/dkim/signature.h"
#include "libmail/dkim/tag_list.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tern::dkim;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto tags = parse_tag_list(text)) {
        for (const Tag& t : tags->tags()) {
            if (t.raw_begin > t.raw_end || t.raw_end > size) __builtin_trap();
            if (t.name.empty() || t.value.size() > t.raw_end - t.raw_begin) __builtin_trap();
        }
    }
    if (auto sig = parse_signature(text)) {
        if (sig->b_raw_begin > sig->b_raw_end || sig->b_raw_end > size) __builtin_trap();
        if (sig->bh.size() != 32 || sig->headers.empty() || sig->domain.empty()) __builtin_trap();
    } else if (sig.error().reason.empty()) {
        __builtin_trap();
    }
    if (auto key = parse_key_record(text)) {
        if (!key->revoked && !key->key) __builtin_trap();
    }
    // Chunking invariance: the whole input against a cut at a point chosen by the data.
    const std::size_t cut = size ? data[0] % (size + 1) : 0;
    for (Canon c : {Canon::Simple, Canon::Relaxed}) {
        BodyHasher whole(c, std::nullopt), parts(c, std::nullopt);
        whole.update(text);
        parts.update(text.substr(0, cut));
        parts.update(text.substr(cut));
        if (whole.finish() != parts.finish() || whole.canonical_length() != parts.canonical_length()) __builtin_trap();
    }
    return 0;
}
