#include <catch2/catch.hpp>

#include "libmail/config/master_cf.h"

using namespace tern::config;

TEST_CASE("master.cf: services with defaults, continuations and -o", "[config][master_cf]") {
    auto r = parse_master_cf("# comment\n"
                             "smtp inet n - n - - smtpd\n"
                             "127.0.0.1:10587 inet n - n - 50 smtpd\n"
                             "  -o syslog_name=tern/submission\n"
                             "  -o smtpd_tls_security_level=encrypt\n"
                             "qmgr unix n - n 300 1 qmgr\n",
                             "master.cf");
    REQUIRE(r);
    REQUIRE(r->size() == 3);
    const auto& s = (*r)[1];
    CHECK(s.service == "127.0.0.1:10587");
    CHECK(s.type == ServiceType::Inet);
    CHECK_FALSE(s.is_private);
    CHECK(s.unpriv);
    CHECK(s.maxproc == 50);
    CHECK(s.line == 3);
    REQUIRE(s.overrides.size() == 2);
    CHECK(s.overrides[0] == std::pair<std::string, std::string>{"syslog_name", "tern/submission"});
    CHECK(s.args.size() == 4);
    CHECK((*r)[2].wakeup == 300);
    CHECK((*r)[0].maxproc == -1);
}

TEST_CASE("master.cf: errors name file and line", "[config][master_cf]") {
    auto check = [](std::string_view text, std::string_view expect) {
        auto r = parse_master_cf(text, "/etc/tern/master.cf");
        REQUIRE_FALSE(r);
        INFO(r.error().message);
        CHECK(r.error().message.rfind(expect, 0) == 0);
    };
    check("smtp inet n - n - - smtpd\nbroken inet n\n", "/etc/tern/master.cf:2: expected at least 8 fields");
    check("smtp tcp n - n - - smtpd\n", "/etc/tern/master.cf:1: bad transport type");
    check("smtp inet x - n - - smtpd\n", "/etc/tern/master.cf:1: bad private field");
    check("smtp inet n - n soon - smtpd\n", "/etc/tern/master.cf:1: bad wakeup time");
    check("smtp inet n - n - - smtpd -o\n", "/etc/tern/master.cf:1: -o needs name=value");
    check("smtp inet n - n - - smtpd\nsmtp inet n - n - - smtpd\n", "/etc/tern/master.cf:2: duplicate service");
    check("  -o x=y\n", "/etc/tern/master.cf:1: continuation line before any service");
}

TEST_CASE("master.cf: every type, y/n columns, on-demand wakeup, CRLF", "[config][master_cf]") {
    auto r = parse_master_cf("pickup unix n - n 60? 1 pickup\r\n"
                             "a unix-dgram y n y - 0 x\r\n"
                             "b fifo - - - - - y\n"
                             "c pass - - - - - z arg1 arg2\n",
                             "master.cf");
    REQUIRE(r);
    REQUIRE(r->size() == 4);
    CHECK((*r)[0].wakeup == 60);
    CHECK((*r)[0].command == "pickup");
    CHECK((*r)[1].type == ServiceType::UnixDgram);
    CHECK((*r)[1].is_private);
    CHECK_FALSE((*r)[1].unpriv);
    CHECK((*r)[1].chroot);
    CHECK((*r)[1].maxproc == 0);
    CHECK((*r)[2].type == ServiceType::Fifo);
    CHECK((*r)[2].is_private);
    CHECK((*r)[3].type == ServiceType::Pass);
    CHECK((*r)[3].args == std::vector<std::string>{"arg1", "arg2"});
    CHECK((*r)[3].overrides.empty());
}

TEST_CASE("master.cf: bad -o and process limits", "[config][master_cf]") {
    auto bad_o = parse_master_cf("smtp inet n - n - - smtpd -o novalue\n", "m.cf");
    REQUIRE_FALSE(bad_o);
    CHECK(bad_o.error().message == "m.cf:1: bad -o argument \"novalue\": expected name=value");
    auto bad_p = parse_master_cf("smtp inet n - n - many smtpd\n", "m.cf");
    REQUIRE_FALSE(bad_p);
    CHECK(bad_p.error().message == "m.cf:1: bad process limit \"many\"");
    auto path = parse_master_cf("smtp inet n - n - - /usr/bin/smtpd\n", "m.cf");
    REQUIRE_FALSE(path);
    CHECK(path.error().message == "m.cf:1: command must be a program name, not a path");
}
