// RFC 2047 encoded-words, charsets and transfer encodings, as SEARCH and
// BINARY[] see them.
#include <catch2/catch.hpp>

#include "libmail/mime/charset.h"
#include "libmail/mime/encoded_words.h"
#include "libmail/mime/transfer_decode.h"

using namespace tern::mime;

TEST_CASE("RFC 2047 subjects in UTF-8 and ISO-8859-1, Q and B", "[mime][rfc2047]") {
    CHECK(decode_encoded_words("=?UTF-8?Q?Caf=C3=A9_cr=C3=A8me?=") == "Caf\xc3\xa9 cr\xc3\xa8me");
    CHECK(decode_encoded_words("=?utf-8?B?Q2Fmw6kgY3LDqG1l?=") == "Caf\xc3\xa9 cr\xc3\xa8me");
    CHECK(decode_encoded_words("=?ISO-8859-1?Q?Andr=E9?= Pirard") == "Andr\xc3\xa9 Pirard");
    CHECK(decode_encoded_words("=?iso-8859-1?b?QW5kcuk=?=") == "Andr\xc3\xa9");
    CHECK(decode_encoded_words("Re: [list] =?UTF-8?Q?=E2=82=AC100?= offer") == "Re: [list] \xe2\x82\xac" "100 offer");
}

TEST_CASE("RFC 2047 6.2: white space between adjacent words is dropped", "[mime][rfc2047]") {
    CHECK(decode_encoded_words("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=") == "ab");
    CHECK(decode_encoded_words("=?ISO-8859-1?Q?a?=\r\n\t=?ISO-8859-1?Q?b?=") == "ab");
    CHECK(decode_encoded_words("=?ISO-8859-1?Q?a?= b") == "a b");
    CHECK(decode_encoded_words("=?ISO-8859-1?Q?a_?= =?UTF-8?Q?b?=") == "a b");
    // A UTF-8 character split over two words (base64 of each half).
    CHECK(decode_encoded_words("=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?=") == "\xe2\x82\xac");
    // Inside quotes and glued to text, as real mail has them.
    CHECK(decode_encoded_words("\"=?UTF-8?Q?J=C3=B6rg?=\" <j@x.test>") == "\"J\xc3\xb6rg\" <j@x.test>");
    CHECK(decode_encoded_words("=?UTF-8*en?Q?hi?=") == "hi");  // RFC 2231 language
}

TEST_CASE("malformed encoded-words are left as they are", "[mime][rfc2047]") {
    for (const char* s : {"=?UTF-8?X?abc?=", "=?UTF-8?Q?no end", "=??Q?x?=", "=?UTF-8?B?@@@?=",
                          "=?UTF-8?Q?bad=Zescape?=", "=?x-no-such-charset?Q?abc?=", "plain =? text ?=", "=?",
                          "=?UTF-8?Q?a b?="})
        CHECK(decode_encoded_words(s) == s);
    // A good word after a bad one is still decoded.
    CHECK(decode_encoded_words("=?bad =?UTF-8?Q?ok?=") == "=?bad ok");
    // Raw 8-bit bytes outside words come out as valid UTF-8.
    CHECK(decode_encoded_words("caf\xe9") == "caf\xef\xbf\xbd");
}

TEST_CASE("charset conversion through iconv", "[mime][charset]") {
    CHECK(to_utf8("\xa4", "ISO-8859-15") == "\xe2\x82\xac");
    CHECK(to_utf8("\x80", "iso-8859-1") == "\xe2\x82\xac");  // read as windows-1252
    CHECK(to_utf8("\x1b$B$3$s$K$A$O\x1b(B", "ISO-2022-JP") ==
          "\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf");
    CHECK(to_utf8("a\xff", "utf-8") == "a\xef\xbf\xbd");
    CHECK(to_utf8("\x82\xa0\x82", "Shift_JIS") == "\xe3\x81\x82\xef\xbf\xbd");  // truncated last character
    CHECK_FALSE(to_utf8("x", "no-such-charset"));
    CHECK_FALSE(to_utf8("x", "UTF-8//TRANSLIT"));
    CHECK_FALSE(to_utf8("x", ""));
}

TEST_CASE("base64 is decoded leniently", "[mime][transfer]") {
    CHECK(decode_base64("SGVsbG8sIHdvcmxkIQ==") == "Hello, world!");
    CHECK(decode_base64("SGVs\r\nbG8s\r\nIHdv\ncmxk IQ") == "Hello, world!");
    CHECK(decode_base64("SGk=SGk=") == "HiHi");  // concatenated encoded blocks
    CHECK(decode_base64("*SGk*") == "Hi");
    CHECK(decode_base64("").empty());
    CHECK(decode_base64("S") .empty());
}

TEST_CASE("quoted-printable is decoded leniently", "[mime][transfer]") {
    CHECK(decode_quoted_printable("Caf=C3=A9 =\r\nau lait  \r\nend") == "Caf\xc3\xa9 au lait\r\nend");
    CHECK(decode_quoted_printable("a=3d=3Db\nsoft=  \nbreak\n") == "a==b\nsoftbreak\n");
    CHECK(decode_quoted_printable("100% =ZZ =4") == "100% =ZZ =4");
    CHECK(decode_quoted_printable("=") .empty());
}

TEST_CASE("transfer encodings by name", "[mime][transfer]") {
    CHECK(parse_transfer_encoding("") == TransferEncoding::SevenBit);
    CHECK(parse_transfer_encoding(" BASE64 ") == TransferEncoding::Base64);
    CHECK(parse_transfer_encoding("x-uuencode") == TransferEncoding::Unknown);
    CHECK(decode_transfer_encoding("SGk=", "base64").value() == "Hi");
    CHECK(decode_transfer_encoding("a=\r\nb", "Quoted-Printable").value() == "ab");
    CHECK(decode_transfer_encoding("raw\xff", "8bit").value() == "raw\xff");
    CHECK_FALSE(decode_transfer_encoding("x", "x-uuencode"));
}
