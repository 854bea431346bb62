// The OpenSSL pieces DKIM needs, behind small functions: base64 with the
// white space DKIM allows, SHA-256, and RSA / Ed25519 signatures over a
// SHA-256 digest (RFC 6376 3.3, RFC 8463 3). Shared by the verifier, the
// signer and the key tools; no other dkim file includes OpenSSL headers.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "libmail/core/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace tern::dkim {

enum class KeyType { Rsa, Ed25519 };

// Shared because one loaded key signs many messages; EVP_PKEY is immutable once built.
using PkeyPtr = std::shared_ptr<EVP_PKEY>;

// Strict base64 after white space is dropped; nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);

// 32 octets.
std::string sha256(std::string_view data);

// Public key from a key record's p= (decoded): RSA SubjectPublicKeyInfo (or a
// bare PKCS#1 RSAPublicKey, which some records carry), or 32 raw Ed25519 octets.
[[nodiscard]] Result<PkeyPtr> public_key_from_der(KeyType type, std::string_view der);
// The p= value (base64) for a key's public half.
[[nodiscard]] Result<std::string> public_key_base64(EVP_PKEY* key);
// The RSA modulus size in bits; 256 for Ed25519.
int key_bits(EVP_PKEY* key);
std::optional<KeyType> key_type(EVP_PKEY* key);

// Whether signature is valid for the SHA-256 digest (RSA: PKCS#1 v1.5 with
// SHA-256; Ed25519: PureEdDSA over the 32-octet digest, RFC 8463 3).
bool verify_digest(EVP_PKEY* key, std::string_view digest, std::string_view signature);
[[nodiscard]] Result<std::string> sign_digest(EVP_PKEY* key, std::string_view digest);

// A private key from PEM text (PKCS#8 or traditional RSA); errors say why.
[[nodiscard]] Result<PkeyPtr> private_key_from_pem(std::string_view pem);
// A new key: RSA of `bits`, or Ed25519 (bits ignored).
[[nodiscard]] Result<PkeyPtr> generate_key(KeyType type, int bits);
// PKCS#8 PEM of a private key.
[[nodiscard]] Result<std::string> private_key_pem(EVP_PKEY* key);

}  // namespace tern::dkim
