#include <catch2/catch.hpp>

#include "libmail/authres/authentication_results.h"
#include "libmail/authres/quarantine.h"

using namespace tern::authres;

TEST_CASE("Authentication-Results is written as RFC 8601 shows it", "[authres]") {
    std::vector<ResInfo> rs;
    rs.push_back({"spf", "pass", "", "mx.example.org: 192.0.2.1 is allowed", {{"smtp.mailfrom", "alice@example.com"}}});
    rs.push_back({"dkim", "fail", "body hash did not verify", "",
                  {{"header.d", "example.com"}, {"header.s", "sel1"}, {"header.b", "Ab3+/x=Q"}}});
    rs.push_back({"dmarc", "pass", "", "p=reject dis=none", {{"header.from", "example.com"}}});
    CHECK(format_header("mx.example.org", rs) ==
          "Authentication-Results: mx.example.org;\n"
          "\tspf=pass (mx.example.org: 192.0.2.1 is allowed) smtp.mailfrom=alice@example.com;\n"
          "\tdkim=fail reason=\"body hash did not verify\" header.d=example.com header.s=sel1 header.b=\"Ab3+/x=Q\";\n"
          "\tdmarc=pass (p=reject dis=none) header.from=example.com\n");
    CHECK(format_header("mx.example.org", {}) == "Authentication-Results: mx.example.org; none\n");
}

TEST_CASE("comments and values cannot break out of the field", "[authres]") {
    std::vector<ResInfo> rs;
    rs.push_back({"spf", "fail", "", "evil) ; dmarc=pass (\r\nX-Injected: 1", {{"smtp.mailfrom", "a b\"c\n@x"}}});
    const std::string h = format_header("mx.test", rs);
    CHECK(h == "Authentication-Results: mx.test;\n"
               "\tspf=fail (evil\\) ; dmarc=pass \\(X-Injected: 1) smtp.mailfrom=\"a b\\\"c@x\"\n");
}

TEST_CASE("the authserv-id is found past comments, as a token or a quoted string", "[authres]") {
    CHECK(authserv_id_of(" mx.example.org; spf=pass") == "mx.example.org");
    CHECK(authserv_id_of(" (a (nested) comment) MX.Example.Org 1; none") == "MX.Example.Org");
    CHECK(authserv_id_of(" \"mx.example.org\"; none") == "mx.example.org");
    CHECK_FALSE(authserv_id_of(" (unclosed mx.example.org; none"));
    CHECK_FALSE(authserv_id_of("   "));
    CHECK_FALSE(authserv_id_of(" ;none"));
}

TEST_CASE("only a field claiming our authserv-id is recognised as forged", "[authres]") {
    CHECK(claims_authserv_id("Authentication-Results: mx.example.org; spf=pass", "mx.example.org"));
    CHECK(claims_authserv_id("authentication-results :  (x) MX.EXAMPLE.ORG; dkim=pass", "mx.example.org"));
    CHECK_FALSE(claims_authserv_id("Authentication-Results: other.example.org; spf=pass", "mx.example.org"));
    CHECK_FALSE(claims_authserv_id("Authentication-Results: mx.example.org.evil; spf=pass", "mx.example.org"));
    CHECK_FALSE(claims_authserv_id("ARC-Authentication-Results: i=1; mx.example.org; spf=pass", "mx.example.org"));
    CHECK_FALSE(claims_authserv_id("Authentication-Results-X: mx.example.org", "mx.example.org"));
}

TEST_CASE("the quarantine mark is found only as a whole field name", "[authres]") {
    CHECK(quarantine_field("DMARC policy\r\n of example.com") == "X-Tern-Quarantine: DMARC policy of example.com\n");
    CHECK(has_quarantine_mark("Authentication-Results: mx; none\nX-Tern-Quarantine: dmarc\n"));
    CHECK(has_quarantine_mark("x-tern-quarantine : dmarc"));
    CHECK_FALSE(has_quarantine_mark("X-Tern-Quarantined: no\nX-Other: X-Tern-Quarantine: no\n"));
    CHECK_FALSE(has_quarantine_mark(""));
    CHECK(is_quarantine_field("X-Tern-Quarantine: forged"));
    CHECK_FALSE(is_quarantine_field("X-Tern-Quarantine-Reason: x"));
}
