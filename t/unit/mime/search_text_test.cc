// What SEARCH BODY/TEXT look in: text parts decoded to UTF-8, other parts skipped.
#include <catch2/catch.hpp>

#include "libmail/mime/search_text.h"

using namespace tern::mime;

TEST_CASE("text parts are searched decoded, attachments are not", "[mime][search]") {
    const std::string m =
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        "cr=C3=A8me br=C3=BB=\r\nl=C3=A9e\r\n"
        "--b\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "PHA+Y2Fm6TwvcD4=\r\n"
        "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "c2VjcmV0\r\n"
        "--b\r\nContent-Type: text/plain; charset=x-unknown\r\nContent-Transfer-Encoding: x-weird\r\n\r\n"
        "raw \xff\r\n"
        "--b--\r\n";
    const Structure s = parse_structure(m);
    const auto texts = body_texts(m, s, 1 << 20);
    REQUIRE(texts.size() == 3);
    CHECK(texts[0] == "cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e");
    CHECK(texts[1] == "<p>caf\xc3\xa9</p>");
    CHECK(texts[2] == "raw \xef\xbf\xbd");

    // The budget bounds how much is decoded.
    const auto few = body_texts(m, s, 10);
    REQUIRE(few.size() == 1);
    CHECK(few[0] == "cr\xc3\xa8me");  // the first 10 octets: "cr=C3=A8me"
}
