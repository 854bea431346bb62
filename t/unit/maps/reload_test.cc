#include <catch2/catch.hpp>

#include <chrono>

#include "libmail/maps/file_watch.h"
#include "libmail/maps/map.h"
#include "libmail/maps/table_build.h"
#include "t/unit/maps/temp_dir.h"

using namespace tern::maps;
using tern::maps::test::TempDir;
using tern::maps::test::get;

namespace {
// Checks on every lookup while in scope, so a test need not sleep a second.
struct CheckAlways {
    CheckAlways() { set_reload_check_interval(std::chrono::milliseconds(0)); }
    ~CheckAlways() { set_reload_check_interval(std::chrono::milliseconds(1000)); }
};
}  // namespace

TEST_CASE("file tables see a changed file on the next lookup", "[maps]") {
    CheckAlways always;
    TempDir d;
    SECTION("texthash") {
        const auto p = d.write("t", "a 1\n");
        auto m = open_map("texthash:" + p);
        REQUIRE(m);
        CHECK(get(**m, "b") == "<none>");
        d.write("t", "a 1\nb 2\n");
        CHECK(get(**m, "b") == "2");
        // A broken edit keeps the previous version answering.
        d.write("t", "a 1\nb\n");
        CHECK(get(**m, "b") == "2");
        d.write("t", "b 3\n");
        CHECK(get(**m, "b") == "3");
        CHECK(get(**m, "a") == "<none>");
    }
    SECTION("hash, rebuilt as postmap does") {
        const auto p = d.write("h", "a 1\n");
        REQUIRE(build_db_table("hash", p));
        auto m = open_map("hash:" + p);
        REQUIRE(m);
        CHECK(get(**m, "b") == "<none>");
        d.write("h", "a 1\nb 2\n");
        REQUIRE(build_db_table("hash", p));
        CHECK(get(**m, "b") == "2");
    }
    SECTION("pcre") {
        const auto p = d.write("r", "/^a/ 1\n");
        auto m = open_map("pcre:" + p);
        REQUIRE(m);
        CHECK(get(**m, "b") == "<none>");
        d.write("r", "/^b/ 2\n");
        CHECK(get(**m, "b") == "2");
    }
}

TEST_CASE("file tables are not re-checked more than once per interval", "[maps]") {
    set_reload_check_interval(std::chrono::milliseconds(1000));
    TempDir d;
    const auto p = d.write("t", "a 1\n");
    auto m = open_map("texthash:" + p);
    REQUIRE(m);
    CHECK(get(**m, "a") == "1");
    d.write("t", "a 2\n");
    CHECK(get(**m, "a") == "1");  // within the second: the old version still answers
}
