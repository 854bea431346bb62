#include <catch2/catch.hpp>

#include "libmail/smtp/esmtp_params.h"

#include <string>

#include "libmail/queue/queue_file.h"

using tern::smtp::BodyType;

TEST_CASE("MAIL FROM parameters SIZE and BODY", "[smtp][esmtp]") {
    auto none = tern::smtp::parse_mail_params("");
    REQUIRE(none);
    CHECK_FALSE(none->size);
    CHECK(none->body == BodyType::Unspecified);

    auto both = tern::smtp::parse_mail_params("size=12345 BODY=8bitmime");
    REQUIRE(both);
    CHECK(*both->size == 12345);
    CHECK(both->body == BodyType::EightBitMime);

    auto seven = tern::smtp::parse_mail_params("BODY=7BIT");
    REQUIRE(seven);
    CHECK(seven->body == BodyType::SevenBit);
}

TEST_CASE("bad or unsupported MAIL FROM parameters are refused", "[smtp][esmtp]") {
    struct Case { const char* in; const char* reply; };
    auto c = GENERATE(values<Case>({
        {"SIZE=abc", "501 5.5.4 Bad SIZE parameter syntax"},
        {"SIZE=", "501 5.5.4 Bad SIZE parameter syntax"},
        {"SIZE=-1", "501 5.5.4 Bad SIZE parameter syntax"},
        {"SIZE=1 SIZE=2", "501 5.5.4 Bad SIZE parameter syntax"},
        {"SIZE=99999999999999999999999", "501 5.5.4 Bad SIZE parameter syntax"},
        {"BODY=BINARYMIME", "501 5.5.4 Bad BODY parameter syntax"},
        {"SMTPUTF8=yes", "501 5.5.4 Bad SMTPUTF8 parameter syntax"},
        {"SMTPUTF8 SMTPUTF8", "501 5.5.4 Bad SMTPUTF8 parameter syntax"},
        {"RET=ALL", "501 5.5.4 Bad RET parameter syntax"},
        {"RET=FULL RET=HDRS", "501 5.5.4 Bad RET parameter syntax"},
        {"ENVID=", "501 5.5.4 Bad ENVID parameter syntax"},
        {"ENVID=a=b", "501 5.5.4 Bad ENVID parameter syntax"},
        {"ENVID=abc+4", "501 5.5.4 Bad ENVID parameter syntax"},
        {"ENVID=abc+zz", "501 5.5.4 Bad ENVID parameter syntax"},
        {"AUTH=", "501 5.5.4 Bad AUTH parameter syntax"},
        {"BINARY=yes", "555 5.5.4 Unsupported option: BINARY"},
    }));
    INFO(c.in);
    auto r = tern::smtp::parse_mail_params(c.in);
    REQUIRE_FALSE(r);
    CHECK(r.error().line() == c.reply);
}

TEST_CASE("MAIL FROM parameters of DSN, SMTPUTF8 and AUTH", "[smtp][esmtp]") {
    auto p = tern::smtp::parse_mail_params("RET=hdrs ENVID=QQ314159+2Bx SMTPUTF8 AUTH=<>");
    REQUIRE(p);
    CHECK(p->ret == tern::smtp::DsnRet::Headers);
    CHECK(p->envid == "QQ314159+2Bx");
    CHECK(tern::smtp::decode_xtext(p->envid) == "QQ314159+x");
    CHECK(p->smtputf8);
    auto full = tern::smtp::parse_mail_params("RET=FULL");
    REQUIRE(full);
    CHECK(full->ret == tern::smtp::DsnRet::Full);
    CHECK(tern::smtp::parse_mail_params("ENVID=" + std::string(100, 'a')));
    CHECK_FALSE(tern::smtp::parse_mail_params("ENVID=" + std::string(101, 'a')));
}

TEST_CASE("RCPT TO parameters NOTIFY and ORCPT (RFC 3461)", "[smtp][esmtp]") {
    using namespace tern::queue;
    auto none = tern::smtp::parse_rcpt_params("");
    REQUIRE(none);
    CHECK(none->notify == 0);
    auto p = tern::smtp::parse_rcpt_params("NOTIFY=SUCCESS,delay ORCPT=rfc822;bob+40example.test");
    REQUIRE(p);
    CHECK(p->notify == (kNotifySuccess | kNotifyDelay));
    CHECK(p->orcpt == "rfc822;bob+40example.test");
    auto never = tern::smtp::parse_rcpt_params("NOTIFY=NEVER");
    REQUIRE(never);
    CHECK(never->notify == kNotifyNever);

    struct Case { const char* in; const char* reply; };
    auto c = GENERATE(values<Case>({
        {"NOTIFY=NEVER,SUCCESS", "501 5.5.4 Bad NOTIFY parameter syntax"},
        {"NOTIFY=SOMETIMES", "501 5.5.4 Bad NOTIFY parameter syntax"},
        {"NOTIFY=", "501 5.5.4 Bad NOTIFY parameter syntax"},
        {"NOTIFY=FAILURE,FAILURE", "501 5.5.4 Bad NOTIFY parameter syntax"},
        {"NOTIFY=DELAY NOTIFY=FAILURE", "501 5.5.4 Bad NOTIFY parameter syntax"},
        {"ORCPT=bob@example.test", "501 5.5.4 Bad ORCPT parameter syntax"},
        {"ORCPT=rfc822;", "501 5.5.4 Bad ORCPT parameter syntax"},
        {"ORCPT=rfc822;a=b", "501 5.5.4 Bad ORCPT parameter syntax"},
        {"FOO=1", "555 5.5.4 Unsupported option: FOO"},
    }));
    INFO(c.in);
    auto r = tern::smtp::parse_rcpt_params(c.in);
    REQUIRE_FALSE(r);
    CHECK(r.error().line() == c.reply);
}
