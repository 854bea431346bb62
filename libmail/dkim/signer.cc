#include "libmail/dkim/signer.h"

#include <algorithm>

#include "libmail/core/file_io.h"
#include "libmail/core/text.h"
#include "libmail/dkim/from_address.h"

namespace tern::dkim {

namespace {

constexpr std::size_t kFoldColumn = 76;

const std::vector<std::string_view> kOversigned = {"from", "subject", "to", "date"};

// Appends `piece` to the field, starting a continuation line ("\n\t") when
// the current line would pass kFoldColumn. `glue` goes before the piece
// when it stays on the same line.
void append_folded(std::string& out, std::size_t& column, std::string_view piece, std::string_view glue) {
    if (column + glue.size() + piece.size() > kFoldColumn && column > 1) {
        out += "\n\t";
        column = 1;
    } else {
        out += glue;
        column += glue.size();
    }
    out += piece;
    column += piece.size();
}

}  // namespace

const std::vector<std::string_view> kSignedHeaderNames = {
    "from", "reply-to", "subject", "date", "to", "cc", "in-reply-to", "references", "message-id",
    "mime-version", "content-type", "content-transfer-encoding", "content-id", "content-description",
    "resent-date", "resent-from", "resent-sender", "resent-to", "resent-cc", "resent-message-id",
    "list-id", "list-help", "list-unsubscribe", "list-unsubscribe-post", "list-subscribe", "list-post",
    "list-owner", "list-archive", "sender", "autocrypt", "openpgp"};

Result<SigningKeyPtr> load_signing_key(const std::string& path, std::string_view domain, std::string_view selector) {
    auto pem = read_file(path, kMaxPrivateKeyFileOctets);
    if (!pem) return pem.error();
    auto key = private_key_from_pem(*pem);
    if (!key) return Error(path + ": " + key.error().message);
    auto k = std::make_shared<SigningKey>();
    k->domain = to_lower(domain);
    k->selector = to_lower(selector);
    k->type = *key_type(key->get());
    if (k->type == KeyType::Rsa && key_bits(key->get()) < 1024)
        return Error(path + ": RSA key of " + std::to_string(key_bits(key->get())) + " bits is too short (RFC 8301: at least 1024)");
    k->key = std::move(*key);
    k->path = path;
    return SigningKeyPtr(std::move(k));
}

Signer::Signer(std::vector<SigningKeyPtr> keys) : keys_(std::move(keys)) {}

void Signer::header(std::string_view field) {
    const std::string name = to_lower(field_name(field));
    if (std::find(kSignedHeaderNames.begin(), kSignedHeaderNames.end(), name) == kSignedHeaderNames.end()) return;
    if (name == "from" && from_.empty()) from_ = from_address(field.substr(field.find(':') + 1));
    header_octets_ += field.size();
    if (header_octets_ > kMaxSignedHeaderOctets) {
        overflow_ = true;
        return;
    }
    fields_.emplace_back(field);
}

void Signer::end_of_headers() {}

void Signer::body(std::string_view chunk) { body_.update(chunk); }

void Signer::end_of_body() { bh_ = body_.finish(); }

Result<std::string> Signer::finish(std::time_t now) {
    if (overflow_) return Error("header too large to sign");
    if (bh_.empty()) end_of_body();
    // h=: every signed name once per occurrence, oversigned names once more.
    std::vector<std::string> names;
    std::string data;
    bool has_from = false;
    for (std::string_view want : kSignedHeaderNames) {
        std::size_t count = 0;
        // Bottom-up, as a verifier will pick them.
        for (auto it = fields_.rbegin(); it != fields_.rend(); ++it) {
            if (to_lower(field_name(*it)) != want) continue;
            ++count;
            names.emplace_back(want);
            data += canon_header(Canon::Relaxed, *it);
        }
        has_from = has_from || (want == "from" && count > 0);
        if (std::find(kOversigned.begin(), kOversigned.end(), want) != kOversigned.end()) names.emplace_back(want);
    }
    if (!has_from) return Error("no From header field to sign");
    const std::string bh64 = base64_encode(bh_);

    std::string out;
    for (const SigningKeyPtr& key : keys_) {
        std::string field = "DKIM-Signature: v=1;";
        std::size_t column = field.size();
        const std::string alg = key->type == KeyType::Ed25519 ? "ed25519-sha256" : "rsa-sha256";
        for (const std::string& tag : {"a=" + alg + ";", std::string("c=relaxed/relaxed;"), "d=" + key->domain + ";",
                                       "s=" + key->selector + ";", "t=" + std::to_string(now) + ";"})
            append_folded(field, column, tag, " ");
        // h= folds only after a colon (RFC 6376 3.5 allows FWS around them).
        append_folded(field, column, "h=", " ");
        for (std::size_t i = 0; i < names.size(); ++i)
            append_folded(field, column, names[i] + (i + 1 < names.size() ? ":" : ";"), "");
        append_folded(field, column, "bh=" + bh64 + ";", " ");
        append_folded(field, column, "b=", " ");
        // The hashed form has b= empty (RFC 6376 3.7) and no final CRLF.
        std::string canon = canon_header(Canon::Relaxed, field);
        canon.resize(canon.size() - 2);
        auto sig = sign_digest(key->key.get(), sha256(data + canon));
        if (!sig) return Error(key->path + ": " + sig.error().message);
        const std::string b64 = base64_encode(*sig);
        for (std::size_t i = 0; i < b64.size(); i += 64) {
            const std::string_view piece = std::string_view(b64).substr(i, 64);
            if (column + piece.size() > kFoldColumn) {
                field += "\n\t";
                column = 1;
            }
            field += piece;
            column += piece.size();
        }
        field += '\n';
        out += field;
    }
    return out;
}

}  // namespace tern::dkim
