#include <catch2/catch.hpp>

#include "libmail/cleanup/mail_date.h"
#include "smtpd/received.h"

using tern::smtpd::ReceivedInfo;

namespace {

ReceivedInfo base_info() {
    ReceivedInfo r;
    r.helo = "client.example.org";
    r.client_name = "unknown";
    r.client_addr = "192.0.2.7";
    r.myhostname = "mx.example.test";
    r.mail_name = "Tern";
    r.protocol = "ESMTP";
    r.queue_id = "4Bc1D2xyz";
    r.when = 1795584092;  // Wed, 25 Nov 2026 05:21:32 UTC
    return r;
}

}  // namespace

TEST_CASE("the date is RFC 5322 in UTC", "[smtpd][received]") {
    CHECK(tern::cleanup::rfc5322_date(1795584092, true) == "Wed, 25 Nov 2026 05:21:32 +0000 (UTC)");
    CHECK(tern::cleanup::rfc5322_date(0, true) == "Thu, 01 Jan 1970 00:00:00 +0000 (UTC)");
}

TEST_CASE("Received header in Postfix's shape, with for <rcpt> for one recipient", "[smtpd][received]") {
    auto r = base_info();
    r.rcpt = "alice@example.test";
    CHECK(tern::smtpd::received_header(r) ==
          "Received: from client.example.org (unknown [192.0.2.7])\n"
          "\tby mx.example.test (Tern) with ESMTP id 4Bc1D2xyz\n"
          "\tfor <alice@example.test>; Wed, 25 Nov 2026 05:21:32 +0000 (UTC)\n");
}

TEST_CASE("Received header without for, with SMTP, IPv6 and hostile HELO", "[smtpd][received]") {
    auto r = base_info();
    r.protocol = "SMTP";
    r.client_addr = "2001:db8::5";
    r.helo = "evil (fake) \r\nX-Injected: 1";
    CHECK(tern::smtpd::received_header(r) ==
          "Received: from evil??fake????X-Injected:?1 (unknown [IPv6:2001:db8::5])\n"
          "\tby mx.example.test (Tern) with SMTP id 4Bc1D2xyz; Wed, 25 Nov 2026 05:21:32 +0000 (UTC)\n");
    r.helo.clear();
    CHECK(tern::smtpd::received_header(r).rfind("Received: from unknown (unknown [IPv6:2001:db8::5])\n", 0) == 0);
}

TEST_CASE("Received header shows TLS when asked and hides the client for submission", "[smtpd][received]") {
    auto r = base_info();
    r.protocol = "ESMTPSA";
    r.tls = "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)";
    CHECK(tern::smtpd::received_header(r) ==
          "Received: from client.example.org (unknown [192.0.2.7])\n"
          "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\n"
          "\tby mx.example.test (Tern) with ESMTPSA id 4Bc1D2xyz; Wed, 25 Nov 2026 05:21:32 +0000 (UTC)\n");
    r.hide_client = true;
    const std::string hidden = tern::smtpd::received_header(r);
    CHECK(hidden == "Received: by mx.example.test (Tern) with ESMTPSA id 4Bc1D2xyz; Wed, 25 Nov 2026 05:21:32 +0000 (UTC)\n");
    CHECK(hidden.find("192.0.2.7") == std::string::npos);
}
