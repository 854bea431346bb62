#include <catch2/catch.hpp>

#include "smtp/reply_reader.h"

using namespace tern::smtp_client;

namespace {

ServerReply read_all(const std::vector<std::string>& lines) {
    ReplyReader r;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        auto st = r.add(lines[i]);
        REQUIRE(st == (i + 1 == lines.size() ? ReplyReader::Status::Done : ReplyReader::Status::NeedMore));
    }
    return r.take();
}

}  // namespace

TEST_CASE("a multi-line reply is collected and its enhanced status read", "[smtp_client][reply]") {
    auto r = read_all({"550-5.1.1 <bob@remote.test>: Recipient address rejected:", "550 5.1.1 User unknown"});
    CHECK(r.code == 550);
    CHECK(r.enhanced_status() == "5.1.1");
    CHECK(r.dsn() == "5.1.1");
    CHECK(r.text() == "550 5.1.1 <bob@remote.test>: Recipient address rejected: 5.1.1 User unknown");
    CHECK_FALSE(r.positive());
}

TEST_CASE("a reply without an enhanced status gets one from its code", "[smtp_client][reply]") {
    CHECK(read_all({"451 try later"}).dsn() == "4.0.0");
    CHECK(read_all({"250 ok"}).dsn() == "2.0.0");
    CHECK(read_all({"354"}).code == 354);
    // A status whose class does not match the code is not taken.
    CHECK(read_all({"250 5.1.1 odd"}).dsn() == "2.0.0");
    CHECK(read_all({"354 3.0.0 go ahead"}).dsn() == "4.5.0");  // no final status has class 3
    CHECK_FALSE(read_all({"354 go ahead"}).positive());
}

TEST_CASE("malformed and oversized replies are protocol errors", "[smtp_client][reply]") {
    ReplyReader r;
    CHECK(r.add("hello") == ReplyReader::Status::Error);
    ReplyReader r2;
    CHECK(r2.add("999 no") == ReplyReader::Status::Error);
    ReplyReader r3;
    CHECK(r3.add("250-a") == ReplyReader::Status::NeedMore);
    CHECK(r3.add("550 b") == ReplyReader::Status::Error);
    ReplyReader r4;
    for (std::size_t i = 0; i < kMaxReplyLines; ++i) REQUIRE(r4.add("250-x") == ReplyReader::Status::NeedMore);
    CHECK(r4.add("250 x") == ReplyReader::Status::Error);
}

TEST_CASE("EHLO capabilities are parsed", "[smtp_client][ehlo]") {
    auto r = read_all({"250-mx.remote.test Hello", "250-PIPELINING", "250-SIZE 10240000", "250-8BITMIME",
                       "250-STARTTLS", "250-AUTH PLAIN login", "250-AUTH=CRAM-MD5", "250-ENHANCEDSTATUSCODES",
                       "250-DSN", "250 SMTPUTF8"});
    auto c = parse_ehlo(r);
    CHECK(c.esmtp);
    CHECK(c.pipelining);
    CHECK(c.has_size);
    CHECK(c.size_limit == 10240000);
    CHECK(c.eightbitmime);
    CHECK(c.starttls);
    CHECK(c.dsn);
    CHECK(c.smtputf8);
    CHECK(c.auth == std::vector<std::string>{"PLAIN", "LOGIN", "CRAM-MD5"});
    ServerReply bare{250, {"mx Hello"}};
    auto b = parse_ehlo(bare);
    CHECK_FALSE(b.pipelining);
    CHECK_FALSE(b.eightbitmime);
    CHECK_FALSE(b.has_size);
}
