#include <catch2/catch.hpp>

#include "libmail/tls/self_signed_cert.h"
#include "libmail/tls/server_context.h"
#include "t/unit/temp_dir.h"

using namespace tern;

TEST_CASE("TLS protocol settings in Postfix syntax give a version range", "[tls]") {
    auto r = tls::parse_protocols(">=TLSv1.2");
    REQUIRE(r);
    CHECK(r->min_version == TLS1_2_VERSION);
    CHECK(r->max_version == TLS1_3_VERSION);
    r = tls::parse_protocols("!SSLv2, !SSLv3, !TLSv1, !TLSv1.1");
    REQUIRE(r);
    CHECK(r->min_version == TLS1_2_VERSION);
    r = tls::parse_protocols("TLSv1.3");
    REQUIRE(r);
    CHECK(r->min_version == TLS1_3_VERSION);
    r = tls::parse_protocols("<=TLSv1.2 >=TLSv1.1");
    REQUIRE(r);
    CHECK(r->min_version == TLS1_1_VERSION);
    CHECK(r->max_version == TLS1_2_VERSION);
    // SSLv3 is never spoken even when asked for.
    r = tls::parse_protocols(">=SSLv3");
    REQUIRE(r);
    CHECK(r->min_version == TLS1_VERSION);
}

TEST_CASE("bad TLS protocol settings are refused with the word named", "[tls]") {
    auto r = tls::parse_protocols(">=TLSv9");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("TLSv9") != std::string::npos);
    CHECK_FALSE(tls::parse_protocols("!TLSv1.2 !TLSv1.3 !TLSv1 !TLSv1.1"));   // nothing left
    r = tls::parse_protocols("TLSv1 TLSv1.3");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("gap") != std::string::npos);
}

TEST_CASE("a server context loads a certificate and names what is wrong otherwise", "[tls]") {
    test::TempDir dir;
    const std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
    REQUIRE(tls::write_self_signed_cert(cert, key, "mx.example.test"));
    auto ctx = tls::ServerContext::load({cert, key, ">=TLSv1.2", "HIGH:!aNULL"});
    REQUIRE(ctx);
    SSL* ssl = (*ctx)->new_ssl();
    REQUIRE(ssl);
    SSL_free(ssl);

    auto missing = tls::ServerContext::load({dir.path() + "/none.pem", key, ">=TLSv1.2", ""});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("none.pem") != std::string::npos);

    const std::string other_cert = dir.path() + "/c2.pem", other_key = dir.path() + "/k2.pem";
    REQUIRE(tls::write_self_signed_cert(other_cert, other_key, "other.example.test"));
    auto mismatch = tls::ServerContext::load({cert, other_key, ">=TLSv1.2", ""});
    REQUIRE_FALSE(mismatch);
    CHECK(mismatch.error().message.find("does not match") != std::string::npos);

    auto bad_ciphers = tls::ServerContext::load({cert, key, ">=TLSv1.2", "NOSUCHCIPHER"});
    REQUIRE_FALSE(bad_ciphers);
    CHECK(bad_ciphers.error().message.find("cipher") != std::string::npos);
}
