#include <catch2/catch.hpp>

#include "smtp/message_encoding.h"

using namespace tern::smtp_client;

TEST_CASE("DATA payload: CRLF, dot-stuffing and the final dot", "[smtp_client][data]") {
    CHECK(encode_data("Subject: x\n\n.hidden\n..two\nend\n") ==
          "Subject: x\r\n\r\n..hidden\r\n...two\r\nend\r\n.\r\n");
    CHECK(encode_data("no final newline") == "no final newline\r\n.\r\n");
    CHECK(encode_data(".") == "..\r\n.\r\n");
    CHECK(encode_data("") == ".\r\n");
    CHECK(encode_data("a\r\nb\n") == "a\r\nb\r\n.\r\n");  // an existing CRLF is not doubled
}

TEST_CASE("8-bit detection", "[smtp_client][8bit]") {
    CHECK_FALSE(has_8bit("plain ascii\n"));
    CHECK(has_8bit("caf\xc3\xa9"));
}

TEST_CASE("quoted-printable encoding", "[smtp_client][qp]") {
    CHECK(quoted_printable("caf\xc3\xa9 = ok\n") == "caf=C3=A9 =3D ok\n");
    CHECK(quoted_printable("trailing space \nx") == "trailing space=20\nx");
    const std::string long_line(100, 'a');
    const std::string qp = quoted_printable(long_line + "\n");
    CHECK(qp == std::string(75, 'a') + "=\n" + std::string(25, 'a') + "\n");
}

TEST_CASE("an 8-bit text message is converted to quoted-printable", "[smtp_client][8bit]") {
    auto r = downgrade_8bit("Subject: hi\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n"
                            "\ncaf\xc3\xa9\n");
    REQUIRE(r);
    CHECK(*r == "Subject: hi\nContent-Type: text/plain; charset=utf-8\nMIME-Version: 1.0\n"
                "Content-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9\n");
    CHECK_FALSE(has_8bit(*r));
    auto plain = downgrade_8bit("Subject: hi\n\n\xc3\xa9\n");
    REQUIRE(plain);
    CHECK(plain->find("Content-Type: text/plain; charset=utf-8\n") != std::string::npos);
}

TEST_CASE("messages that cannot be converted say why", "[smtp_client][8bit]") {
    auto mp = downgrade_8bit("Content-Type: multipart/mixed; boundary=x\n\n--x\n\n\xc3\xa9\n--x--\n");
    REQUIRE_FALSE(mp);
    CHECK(mp.error().message.find("multipart/mixed") != std::string::npos);
    CHECK_FALSE(downgrade_8bit("Subject: caf\xc3\xa9\n\nbody\n"));
    CHECK_FALSE(downgrade_8bit("Content-Transfer-Encoding: base64\n\n\xc3\xa9\n"));
}

TEST_CASE("DATA encoding piece by piece equals the whole, wherever the pieces break", "[smtp_client][encoding]") {
    const std::string message = "Subject: x\r\n\n.dot\n..two\r\nlast line without end";
    for (std::size_t cut1 = 0; cut1 <= message.size(); ++cut1) {
        for (std::size_t cut2 = cut1; cut2 <= message.size(); cut2 += 3) {
            DataEncoder e;
            std::string out;
            e.add(std::string_view(message).substr(0, cut1), out);
            e.add(std::string_view(message).substr(cut1, cut2 - cut1), out);
            e.add(std::string_view(message).substr(cut2), out);
            e.finish(out);
            REQUIRE(out == encode_data(message));
        }
    }
    CHECK(encode_data(message) == "Subject: x\r\n\r\n..dot\r\n...two\r\nlast line without end\r\n.\r\n");
}
