// CAPA (RFC 2449 5) lists only what works on the connection now: STLS before
// TLS (RFC 2595 4), USER and SASL PLAIN (RFC 5034) only where passwords may be
// sent, nothing about login once logged in.
#include <catch2/catch.hpp>

#include "pop3d/commands.h"

using namespace tern::pop3d;

TEST_CASE("CAPA before TLS with passwords refused in clear", "[pop3d][capa]") {
    CHECK(capabilities({.authorization = true, .stls = true, .plaintext_auth = false}) ==
          "TOP\r\nUIDL\r\nSTLS\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nEXPIRE NEVER\r\nIMPLEMENTATION Tern\r\n");
}

TEST_CASE("CAPA inside TLS lists USER and SASL PLAIN, not STLS", "[pop3d][capa]") {
    CHECK(capabilities({.authorization = true, .stls = false, .plaintext_auth = true}) ==
          "TOP\r\nUIDL\r\nUSER\r\nSASL PLAIN\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nEXPIRE NEVER\r\nIMPLEMENTATION Tern\r\n");
}

TEST_CASE("CAPA after login has no login capabilities", "[pop3d][capa]") {
    CHECK(capabilities({.authorization = false, .stls = true, .plaintext_auth = true}) ==
          "TOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nEXPIRE NEVER\r\nIMPLEMENTATION Tern\r\n");
}

TEST_CASE("CAPA lists LOGIN-DELAY only when one is enforced", "[pop3d][capa]") {
    CHECK(capabilities({.authorization = true, .stls = false, .plaintext_auth = true, .login_delay_seconds = 300}) ==
          "TOP\r\nUIDL\r\nUSER\r\nSASL PLAIN\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nLOGIN-DELAY 300\r\n"
          "EXPIRE NEVER\r\nIMPLEMENTATION Tern\r\n");
    CHECK(capabilities({.authorization = false, .login_delay_seconds = 300}).find("LOGIN-DELAY 300\r\n") !=
          std::string::npos);
}

TEST_CASE("STLS and AUTH are AUTHORIZATION-state commands", "[pop3d][capa]") {
    for (const char* name : {"STLS", "stls", "AUTH", "Auth"}) {
        const Command* c = find_command(name);
        REQUIRE(c);
        CHECK(allowed_in(*c, State::Authorization));
        CHECK_FALSE(allowed_in(*c, State::Transaction));
    }
}
