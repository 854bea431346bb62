#include "libmail/dkim/crypto.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "libmail/core/base64.h"
#include "libmail/core/c_ptr.h"

namespace tern::dkim {

namespace {

using CtxPtr = CPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtxPtr = CPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using BioPtr = CPtr<BIO, BIO_free>;

PkeyPtr own(EVP_PKEY* k) { return PkeyPtr(k, EVP_PKEY_free); }

std::string ssl_error(std::string_view what) {
    std::string m(what);
    const unsigned long e = ERR_get_error();
    if (e != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        m += ": ";
        m += buf;
    }
    ERR_clear_error();
    return m;
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned acc = 0;
    int nbits = 0, pad = 0;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        if (c == '=') {
            ++pad;
            continue;
        }
        const int v = base64_value(c);
        if (v < 0 || pad > 0) return std::nullopt;
        acc = (acc << 6) | static_cast<unsigned>(v);
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out += static_cast<char>((acc >> nbits) & 0xff);
        }
    }
    // 2 digits leave 4 bits (one octet, "=="), 3 digits leave 2 bits (two octets, "=");
    // padding may also be left out.
    if (pad > 2 || (nbits == 4 && pad != 2 && pad != 0) || (nbits == 2 && pad != 1 && pad != 0) ||
        (nbits == 0 && pad != 0) || nbits == 6)
        return std::nullopt;
    return out;
}

std::string base64_encode(std::string_view bytes) {
    static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8 |
                           static_cast<unsigned char>(bytes[i + 2]);
        out += kDigits[v >> 18];
        out += kDigits[(v >> 12) & 63];
        out += kDigits[(v >> 6) & 63];
        out += kDigits[v & 63];
    }
    if (i + 1 == bytes.size()) {
        const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        out += kDigits[v >> 18];
        out += kDigits[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == bytes.size()) {
        const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += kDigits[v >> 18];
        out += kDigits[(v >> 12) & 63];
        out += kDigits[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

std::string sha256(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<const char*>(md), len);
}

Result<PkeyPtr> public_key_from_der(KeyType type, std::string_view der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    if (type == KeyType::Ed25519) {
        if (der.size() != 32) return Error("ed25519 key is not 32 octets");
        EVP_PKEY* k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, p, der.size());
        if (!k) return Error(ssl_error("bad ed25519 key"));
        return own(k);
    }
    const auto len = static_cast<long>(der.size());
    EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, len);
    if (!k) {
        ERR_clear_error();
        p = reinterpret_cast<const unsigned char*>(der.data());
        k = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, len);
    }
    if (!k) return Error(ssl_error("bad RSA key"));
    PkeyPtr key = own(k);
    if (EVP_PKEY_base_id(k) != EVP_PKEY_RSA) return Error("key is not RSA");
    return key;
}

Result<std::string> public_key_base64(EVP_PKEY* key) {
    if (EVP_PKEY_base_id(key) == EVP_PKEY_ED25519) {
        unsigned char raw[32];
        std::size_t len = sizeof raw;
        if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1) return Error(ssl_error("ed25519 public key"));
        return base64_encode(std::string_view(reinterpret_cast<const char*>(raw), len));
    }
    unsigned char* der = nullptr;
    const int len = i2d_PUBKEY(key, &der);
    if (len <= 0) return Error(ssl_error("public key"));
    std::string out = base64_encode(std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len)));
    OPENSSL_free(der);
    return out;
}

int key_bits(EVP_PKEY* key) { return EVP_PKEY_get_bits(key); }

std::optional<KeyType> key_type(EVP_PKEY* key) {
    switch (EVP_PKEY_base_id(key)) {
    case EVP_PKEY_RSA: return KeyType::Rsa;
    case EVP_PKEY_ED25519: return KeyType::Ed25519;
    default: return std::nullopt;
    }
}

bool verify_digest(EVP_PKEY* key, std::string_view digest, std::string_view signature) {
    const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
    const auto* dg = reinterpret_cast<const unsigned char*>(digest.data());
    bool ok = false;
    if (EVP_PKEY_base_id(key) == EVP_PKEY_ED25519) {
        MdCtxPtr md(EVP_MD_CTX_new());
        ok = md && EVP_DigestVerifyInit(md.get(), nullptr, nullptr, nullptr, key) == 1 &&
             EVP_DigestVerify(md.get(), sig, signature.size(), dg, digest.size()) == 1;
    } else {
        CtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
        ok = ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1 &&
             EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1 &&
             EVP_PKEY_verify(ctx.get(), sig, signature.size(), dg, digest.size()) == 1;
    }
    ERR_clear_error();
    return ok;
}

Result<std::string> sign_digest(EVP_PKEY* key, std::string_view digest) {
    const auto* dg = reinterpret_cast<const unsigned char*>(digest.data());
    std::size_t len = 0;
    std::string out;
    if (EVP_PKEY_base_id(key) == EVP_PKEY_ED25519) {
        MdCtxPtr md(EVP_MD_CTX_new());
        if (!md || EVP_DigestSignInit(md.get(), nullptr, nullptr, nullptr, key) != 1 ||
            EVP_DigestSign(md.get(), nullptr, &len, dg, digest.size()) != 1)
            return Error(ssl_error("ed25519 sign"));
        out.resize(len);
        if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(out.data()), &len, dg, digest.size()) != 1)
            return Error(ssl_error("ed25519 sign"));
    } else {
        CtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
        if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
            EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
            EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1 ||
            EVP_PKEY_sign(ctx.get(), nullptr, &len, dg, digest.size()) != 1)
            return Error(ssl_error("RSA sign"));
        out.resize(len);
        if (EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, dg, digest.size()) != 1)
            return Error(ssl_error("RSA sign"));
    }
    out.resize(len);
    return out;
}

Result<PkeyPtr> private_key_from_pem(std::string_view pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) return Error(ssl_error("BIO"));
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (!k) return Error(ssl_error("not a PEM private key"));
    PkeyPtr key = own(k);
    if (!key_type(k)) return Error("not an RSA or Ed25519 key");
    return key;
}

Result<PkeyPtr> generate_key(KeyType type, int bits) {
    EVP_PKEY* k = type == KeyType::Ed25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                           : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits));
    if (!k) return Error(ssl_error("key generation"));
    return own(k);
}

Result<std::string> private_key_pem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return Error(ssl_error("PEM"));
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace tern::dkim
