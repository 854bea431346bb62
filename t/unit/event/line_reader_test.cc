#include <catch2/catch.hpp>

#include <event2/buffer.h>

#include "libmail/event/line_reader.h"

using namespace tern;

namespace {
struct Buf {
    evbuffer* b = evbuffer_new();
    ~Buf() { evbuffer_free(b); }
    void add(std::string_view s) { evbuffer_add(b, s.data(), s.size()); }
};
}  // namespace

TEST_CASE("take_line returns lines without their CRLF and flags bare LF", "[event][line]") {
    Buf in;
    in.add("HELO a\r\nNOOP\nrest");
    std::string line;
    bool bare = true;
    REQUIRE(take_line(in.b, 100, line, &bare) == LineStatus::Ok);
    CHECK(line == "HELO a");
    CHECK_FALSE(bare);
    REQUIRE(take_line(in.b, 100, line, &bare) == LineStatus::Ok);
    CHECK(line == "NOOP");
    CHECK(bare);
    CHECK(take_line(in.b, 100, line) == LineStatus::NeedMore);
}

TEST_CASE("take_line refuses a line over the limit and drains it", "[event][line]") {
    Buf in;
    in.add(std::string(20, 'x') + "\r\nNEXT\r\n");
    std::string line;
    CHECK(take_line(in.b, 10, line) == LineStatus::TooLong);
    REQUIRE(take_line(in.b, 10, line) == LineStatus::Ok);
    CHECK(line == "NEXT");
}

TEST_CASE("take_line reports TooLong before a line end arrives", "[event][line]") {
    Buf in;
    in.add(std::string(10, 'x'));
    std::string line;
    CHECK(take_line(in.b, 10, line) == LineStatus::TooLong);
    CHECK_FALSE(skip_line(in.b));
    CHECK(evbuffer_get_length(in.b) == 0);
}
