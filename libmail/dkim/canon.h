// DKIM canonicalization (RFC 6376 3.4): header fields, simple and relaxed,
// and a streaming body hasher. Input follows the queue convention: lines end
// in LF, which is hashed as CRLF; a CR not followed by LF is an ordinary
// octet. The body hasher holds O(1) state whatever the chunking: runs of
// trailing empty lines and white space are counted, not buffered.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "libmail/dkim/signature.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace tern::dkim {

// One header field as in the message ("Name: value\n\tfolded\n"), LF line
// ends, canonicalized and ending in CRLF.
std::string canon_header(Canon c, std::string_view field);

// The field name of a header field (before ':', trailing white space dropped).
std::string_view field_name(std::string_view field);

class BodyHasher {
public:
    // length: l= (hash only the first `length` canonical octets).
    BodyHasher(Canon c, std::optional<std::uint64_t> length);
    ~BodyHasher();
    BodyHasher(const BodyHasher&) = delete;
    BodyHasher& operator=(const BodyHasher&) = delete;

    void update(std::string_view chunk);
    // The SHA-256 of the canonical body (32 octets). Call once, after the last update.
    std::string finish();
    // Canonical body length, counted in full even past l= (valid after finish).
    std::uint64_t canonical_length() const { return total_; }

private:
    void emit(std::string_view s);
    void emit_pending_lines();
    void flush();

    Canon canon_;
    std::optional<std::uint64_t> limit_;
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> md_;
    std::uint64_t total_ = 0;       // canonical octets produced
    std::uint64_t empty_lines_ = 0; // empty lines held back (they vanish at the end of the body)
    bool line_has_content_ = false; // the current line has produced output
    bool space_pending_ = false;    // relaxed: a run of WSP not yet written
    std::string out_;               // small output buffer in front of the digest
};

}  // namespace tern::dkim
