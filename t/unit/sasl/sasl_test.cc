#include <catch2/catch.hpp>

#include "libmail/sasl/sasl.h"

using namespace tern::sasl;

TEST_CASE("base64 decodes strictly and round-trips", "[sasl]") {
    CHECK(decode_base64("AGFsaWNlAHNlY3JldA==") == std::string("\0alice\0secret", 13));
    CHECK(decode_base64("") == std::string());
    CHECK(encode_base64(std::string("\0alice\0secret", 13)) == "AGFsaWNlAHNlY3JldA==");
    for (std::string s : {"a", "ab", "abc", "abcd", "\xff\xfe\x00"}) CHECK(decode_base64(encode_base64(s)) == s);
    CHECK_FALSE(decode_base64("AGFsaWNl AHNl"));    // white space
    CHECK_FALSE(decode_base64("AGFsaWN"));          // length
    CHECK_FALSE(decode_base64("AG=saWNl"));         // padding inside
    CHECK_FALSE(decode_base64("AGFs!WNl"));         // alphabet
    CHECK_FALSE(decode_base64("QR=="));             // non-zero bits dropped by the padding
    CHECK_FALSE(decode_base64("===="));
}

TEST_CASE("PLAIN: initial response, empty challenge, cancel", "[sasl]") {
    Exchange x(Mechanism::Plain);
    Step s = x.begin(std::string_view("AGFsaWNlAHNlY3JldA=="));
    REQUIRE(s.kind == Step::Kind::Done);
    CHECK(s.credentials.authcid == "alice");
    CHECK(s.credentials.password == "secret");
    CHECK(s.credentials.authzid.empty());

    Exchange y(Mechanism::Plain);
    s = y.begin(std::nullopt);
    REQUIRE(s.kind == Step::Kind::Challenge);
    CHECK(s.challenge.empty());
    s = y.next(encode_base64(std::string("bob\0bob\0pw", 10)));
    REQUIRE(s.kind == Step::Kind::Done);
    CHECK(s.credentials.authzid == "bob");

    Exchange z(Mechanism::Plain);
    z.begin(std::nullopt);
    CHECK(z.next("*").kind == Step::Kind::Cancelled);
}

TEST_CASE("PLAIN: malformed messages are named", "[sasl]") {
    auto first = [](std::string msg) { return Exchange(Mechanism::Plain).begin(std::string_view(msg)); };
    CHECK(first("%%%%").kind == Step::Kind::BadEncoding);
    CHECK(first(encode_base64("alice")).reason == "no NUL separator");
    CHECK(first(encode_base64(std::string("\0alice", 6))).reason == "one NUL separator, two needed");
    CHECK(first(encode_base64(std::string("\0alice\0", 7))).reason == "empty user name or password");
    CHECK(first("=").kind == Step::Kind::BadMessage);  // empty initial response
    CHECK(first(encode_base64(std::string("\0a\0", 3) + std::string(2000, 'x'))).reason == "password too long");
    CHECK(first(std::string(kMaxResponseOctets + 4, 'A')).reason == "response too long");
}

TEST_CASE("LOGIN asks for the user name, then the password", "[sasl]") {
    Exchange x(Mechanism::Login);
    Step s = x.begin(std::nullopt);
    REQUIRE(s.kind == Step::Kind::Challenge);
    CHECK(decode_base64(s.challenge) == "Username:");
    s = x.next(encode_base64("alice@example.test"));
    REQUIRE(s.kind == Step::Kind::Challenge);
    CHECK(decode_base64(s.challenge) == "Password:");
    s = x.next(encode_base64("secret"));
    REQUIRE(s.kind == Step::Kind::Done);
    CHECK(s.credentials.authcid == "alice@example.test");
    CHECK(s.credentials.password == "secret");

    Exchange y(Mechanism::Login);  // the user name as initial response
    s = y.begin(std::string_view(encode_base64("bob")));
    REQUIRE(s.kind == Step::Kind::Challenge);
    CHECK(y.next("*").kind == Step::Kind::Cancelled);
    CHECK(parse_mechanism("login") == Mechanism::Login);
    CHECK_FALSE(parse_mechanism("CRAM-MD5"));
}
