#include <catch2/catch.hpp>

#include <cstdlib>
#include <unistd.h>

#include "libmail/core/file_io.h"

using namespace tern;

TEST_CASE("write_file_atomic replaces a file and read_file reads it back", "[core][file_io]") {
    char tmpl[] = "/tmp/tern-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    const std::string path = std::string(tmpl) + "/f";
    REQUIRE(write_file_atomic(path, "hello"));
    REQUIRE(write_file_atomic(path, "world"));
    auto r = read_file(path, 100);
    REQUIRE(r);
    CHECK(*r == "world");
    SECTION("a file over the limit is an error naming it") {
        auto big = read_file(path, 3);
        REQUIRE_FALSE(big);
        CHECK(big.error().message.find(path) != std::string::npos);
    }
    ::unlink(path.c_str());
    ::rmdir(tmpl);
}
