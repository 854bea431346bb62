// DKIM-Signature parsing (RFC 6376 3.5 and 6.1.1): the accepted form and the
// precise reason for each refusal.
#include <catch2/catch.hpp>
#include <string>

#include "libmail/dkim/signature.h"

using namespace tern::dkim;

namespace {

const std::string kBh = "bh=4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=;";
const std::string kB = "b=dGVzdHNpZ25hdHVyZQ==";

std::string sig(const std::string& middle) {
    return " v=1; " + middle + " " + kBh + "\n " + kB + "\n";
}

}  // namespace

TEST_CASE("signature: a complete field parses", "[dkim][signature]") {
    const std::string value =
        sig("a=rsa-sha256; c=relaxed/simple; d=Example.COM; s=Sel; h=From : To:subject; i=joe@mail.example.com; "
            "l=100; t=1000; x=2000; q=dns/txt;");
    auto s = parse_signature(value);
    REQUIRE(s);
    CHECK(s->algorithm == Algorithm::RsaSha256);
    CHECK(s->header_canon == Canon::Relaxed);
    CHECK(s->body_canon == Canon::Simple);
    CHECK(s->domain == "example.com");
    CHECK(s->selector == "sel");
    CHECK(s->headers == std::vector<std::string>{"from", "to", "subject"});
    CHECK(s->identity == "joe@mail.example.com");
    CHECK(s->length == 100u);
    CHECK(s->timestamp == 1000);
    CHECK(s->expiration == 2000);
    CHECK(s->b == "testsignature");
    CHECK(s->bh.size() == 32);
    CHECK(value.substr(s->b_raw_begin, s->b_raw_end - s->b_raw_begin) == "dGVzdHNpZ25hdHVyZQ==\n");
}

TEST_CASE("signature: defaults are simple/simple and i=@d", "[dkim][signature]") {
    auto s = parse_signature(sig("a=ed25519-sha256; d=example.com; s=s1; h=from;"));
    REQUIRE(s);
    CHECK(s->algorithm == Algorithm::Ed25519Sha256);
    CHECK(s->header_canon == Canon::Simple);
    CHECK(s->body_canon == Canon::Simple);
    CHECK(s->identity == "@example.com");
    auto r = parse_signature(sig("a=rsa-sha256; c=relaxed; d=example.com; s=s1; h=from;"));
    REQUIRE(r);
    CHECK(r->header_canon == Canon::Relaxed);
    CHECK(r->body_canon == Canon::Simple);
}

TEST_CASE("signature: each refusal names its reason and keeps d= s=", "[dkim][signature]") {
    struct Case {
        std::string value;
        const char* reason;
    };
    auto c = GENERATE(values<Case>({
        {sig("a=rsa-sha256; d=example.com; s=s1; h=from; a=rsa-sha256;"), "duplicate tag a"},
        {" v=1; a=rsa-sha256; d=example.com; s=s1; h=from; " + kB, "missing tag bh="},
        {" v=1; a=rsa-sha256; d=example.com; s=s1; h=from; " + kBh, "missing tag b="},
        {sig("a=rsa-sha256; s=s1; h=from;"), "missing tag d="},
        {sig("a=rsa-sha256; d=example.com; h=from;"), "missing tag s="},
        {sig("a=rsa-sha256; d=example.com; s=s1;"), "missing tag h="},
        {sig("d=example.com; s=s1; h=from;"), "missing tag a="},
        {" v=2; a=rsa-sha256; d=example.com; s=s1; h=from; " + kBh + kB, "unsupported version v=2"},
        {sig("a=rsa-sha1; d=example.com; s=s1; h=from;"), "rsa-sha1 is not accepted (RFC 8301)"},
        {sig("a=rsa-md5; d=example.com; s=s1; h=from;"), "unknown algorithm rsa-md5"},
        {sig("a=rsa-sha256; c=fancy/simple; d=example.com; s=s1; h=from;"), "unknown canonicalization fancy/simple"},
        {sig("a=rsa-sha256; d=example.com; s=s1; h=to:subject;"), "h= does not include From"},
        {sig("a=rsa-sha256; d=example.com; s=s1; h=from; i=joe@example.net;"), "i= domain not within d="},
        {sig("a=rsa-sha256; d=example.com; s=s1; h=from; i=joe@badexample.com;"), "i= domain not within d="},
        {sig("a=rsa-sha256; d=example.com; s=s1; h=from; x=100; t=200;"), "x= is before t="},
        {sig("a=rsa-sha256; d=example.com; s=s1; h=from; t=12x;"), "bad t= value"},
        {sig("a=rsa-sha256; d=example.com; s=s1; h=from; x=1234567890123;"), "bad x= value"},
        {sig("a=rsa-sha256; d=example.com; s=s1; h=from; l=-1;"), "bad l= value"},
        {sig("a=rsa-sha256; d=example.com; s=s1; h=from; q=http;"), "unsupported query method q=http"},
        {sig("a=rsa-sha256; d=exa mple.com; s=s1; h=from;"), "bad d= value"},
        {" v=1; a=rsa-sha256; d=example.com; s=s1; h=from; bh=abc; " + kB, "bad bh= value"},
        {" v=1; a=rsa-sha256; d=example.com; s=s1; h=from; " + kBh + " b=!!!", "bad b= value"},
    }));
    auto s = parse_signature(c.value);
    REQUIRE_FALSE(s);
    CHECK(s.error().reason == c.reason);
}

TEST_CASE("signature: a refused field still reports its signer", "[dkim][signature]") {
    auto s = parse_signature(sig("a=rsa-sha1; d=Example.com; s=Sel; h=from;"));
    REQUIRE_FALSE(s);
    CHECK(s.error().domain == "example.com");
    CHECK(s.error().selector == "sel");
    CHECK(s.error().algorithm == "rsa-sha1");
    CHECK(s.error().b_prefix == "dGVzdHNp");
}

TEST_CASE("signature: i= in a subdomain of d= and a huge l= are accepted", "[dkim][signature]") {
    auto s = parse_signature(sig("a=rsa-sha256; d=example.com; s=s1; h=from; i=@news.Example.com; l=" +
                                 std::string(70, '9') + ";"));
    REQUIRE(s);
    CHECK(s->length == UINT64_MAX);
}
