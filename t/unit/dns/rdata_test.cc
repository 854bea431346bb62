// RDATA decoders on well-formed and hostile bytes: lengths past the end,
// compression pointers, over-long names, trailing junk.
#include <catch2/catch.hpp>

#include "libmail/dns/rdata.h"

using namespace tern::dns;

namespace {

std::vector<unsigned char> wire(std::string_view s) { return {s.begin(), s.end()}; }

std::optional<std::string> name_of(std::string_view s) {
    const auto w = wire(s);
    std::size_t pos = 0;
    auto n = decode_name(w, pos);
    if (n && pos != w.size()) return "(stopped early)";
    return n;
}

}  // namespace

TEST_CASE("decode_name: labels, case, escapes", "[dns][rdata]") {
    using namespace std::string_view_literals;
    CHECK(name_of("\x04MAIL\x07" "Example\x04test\x00"sv) == "mail.example.test");
    CHECK(name_of("\x00"sv) == "");
    CHECK(name_of("\x03" "a.b\x04test\x00"sv) == "a\\046b.test");  // a dot inside a label
    CHECK(name_of("\x02" "a \x00"sv) == "a\\032");
    CHECK(name_of("\x03_25\x04_tcp\x00"sv) == "_25._tcp");
    const std::string max_label = "\x3f" + std::string(63, 'x') + std::string(1, '\0');
    CHECK(name_of(max_label) == std::string(63, 'x'));
}

TEST_CASE("decode_name: malformed names are refused", "[dns][rdata]") {
    using namespace std::string_view_literals;
    CHECK_FALSE(name_of(""sv));                       // nothing
    CHECK_FALSE(name_of("\x04mail"sv));               // no terminating root label
    CHECK_FALSE(name_of("\x09mail"sv));               // label past the end
    CHECK_FALSE(name_of("\x04mail\xc0\x0c"sv));       // a compression pointer
    CHECK_FALSE(name_of("\x40" "x\x00"sv));           // extended label type 01
    CHECK_FALSE(name_of("\x80" "x\x00"sv));           // reserved label type 10
    std::string long_name;                            // 5 labels of 63: 321 octets
    for (int i = 0; i < 5; ++i) long_name += "\x3f" + std::string(63, 'a');
    long_name.push_back('\0');
    CHECK_FALSE(name_of(long_name));
    std::string just_fits;                            // 3*64 + 62 + 1 = 255 octets
    for (int i = 0; i < 3; ++i) just_fits += "\x3f" + std::string(63, 'a');
    just_fits += "\x3d" + std::string(61, 'b');
    just_fits.push_back('\0');
    CHECK(name_of(just_fits));
    just_fits.insert(just_fits.size() - 1, "\x01z");  // 257
    CHECK_FALSE(name_of(just_fits));
}

TEST_CASE("decode_mx, decode_target, decode_txt, decode_address", "[dns][rdata]") {
    using namespace std::string_view_literals;
    auto mx = decode_mx(wire("\x00\x0a\x02mx\x04test\x00"sv));
    REQUIRE(mx);
    CHECK(mx->preference == 10);
    CHECK(mx->host == "mx.test");
    mx = decode_mx(wire("\x01\x00\x00"sv));
    REQUIRE(mx);
    CHECK(mx->preference == 256);
    CHECK(mx->host.empty());  // null MX
    CHECK_FALSE(decode_mx(wire("\x00\x0a"sv)));
    CHECK_FALSE(decode_mx(wire("\x00\x0a\x02mx\x00junk"sv)));

    CHECK(decode_target(wire("\x03ptr\x04test\x00"sv)) == "ptr.test");
    CHECK_FALSE(decode_target(wire("\x03ptr\x04test\x00\x00"sv)));
    CHECK_FALSE(decode_target(wire(""sv)));

    CHECK(decode_txt(wire("\x03" "abc\x00\x02" "de"sv)) == "abcde");
    CHECK(decode_txt(wire(""sv)) == "");
    CHECK_FALSE(decode_txt(wire("\x05" "abc"sv)));
    CHECK(decode_txt(wire("\x01\x00"sv)) == std::string(1, '\0'));

    CHECK(decode_address(RrType::A, wire("\xc0\x00\x02\x01"sv)) == "192.0.2.1");
    CHECK_FALSE(decode_address(RrType::A, wire("\xc0\x00\x02"sv)));
    CHECK(decode_address(RrType::AAAA, wire("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"sv)) == "2001:db8::1");
    CHECK_FALSE(decode_address(RrType::AAAA, wire("\xc0\x00\x02\x01"sv)));
    CHECK_FALSE(decode_address(RrType::MX, wire("\xc0\x00\x02\x01"sv)));
}
