#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include "libmail/core/file_io.h"
#include "libmail/store/parse_cache.h"
#include "t/unit/store/temp_maildir.h"

using namespace tern;
using namespace tern::store;

TEST_CASE("the parse cache keeps values per UID and shares them between processes", "[store][cache]") {
    tern::test::TempDir dir;
    const auto& folder = dir.path();
    ParseCache a(folder, 77, {1, 2});
    CHECK_FALSE(a.get(1, ParseCache::kEnvelope));
    a.put(1, ParseCache::kEnvelope, "(\"date\" \"subject\" NIL)");
    a.put(2, ParseCache::kBodyStructure, std::string("with\r\nnewlines\0and NUL", 22));
    CHECK(a.get(1, ParseCache::kEnvelope) == "(\"date\" \"subject\" NIL)");
    CHECK(a.get(2, ParseCache::kBodyStructure) == std::string("with\r\nnewlines\0and NUL", 22));
    CHECK_FALSE(a.get(2, ParseCache::kEnvelope));
    // Another session (another process) sees them, and what it adds shows up here.
    ParseCache b(folder, 77, {1, 2});
    CHECK(b.get(1, ParseCache::kEnvelope) == "(\"date\" \"subject\" NIL)");
    b.put(2, ParseCache::kEnvelope, "env2");
    a.release();
    CHECK(a.get(2, ParseCache::kEnvelope) == "env2");
    // A new UIDVALIDITY starts over.
    ParseCache c(folder, 78, {1, 2});
    CHECK_FALSE(c.get(1, ParseCache::kEnvelope));
}

TEST_CASE("a torn or damaged tail of the parse cache is ignored", "[store][cache]") {
    tern::test::TempDir dir;
    const auto& folder = dir.path();
    {
        ParseCache a(folder, 5, {1});
        a.put(1, ParseCache::kEnvelope, "good");
    }
    UniqueFd fd(::open((folder + "/tern-cache").c_str(), O_WRONLY | O_APPEND));
    REQUIRE(fd);
    REQUIRE(write_all(fd.get(), "2 E 100\npartial"));
    ParseCache b(folder, 5, {1, 2});
    CHECK(b.get(1, ParseCache::kEnvelope) == "good");
    CHECK_FALSE(b.get(2, ParseCache::kEnvelope));
}

TEST_CASE("entries of expunged messages are dropped when they outweigh the live ones", "[store][cache]") {
    tern::test::TempDir dir;
    const auto& folder = dir.path();
    const std::string big(4000, 'x');
    {
        ParseCache a(folder, 9, {});
        for (std::uint32_t uid = 1; uid <= 600; ++uid) a.put(uid, ParseCache::kEnvelope, big);
    }
    const auto before = read_file(folder + "/tern-cache", 1 << 24).value().size();
    ParseCache b(folder, 9, {599, 600});  // all but two expunged
    const auto after = read_file(folder + "/tern-cache", 1 << 24).value().size();
    CHECK(before > 2'000'000);
    CHECK(after < 10'000);
    CHECK(b.get(600, ParseCache::kEnvelope) == big);
    CHECK_FALSE(b.get(1, ParseCache::kEnvelope));
}

TEST_CASE("a session whose cache file another one compacted reads the new file", "[store][cache]") {
    tern::test::TempDir dir;
    const auto& folder = dir.path();
    std::vector<std::uint32_t> all;
    for (std::uint32_t uid = 1; uid <= 600; ++uid) all.push_back(uid);
    ParseCache a(folder, 9, all);
    for (std::uint32_t uid = 1; uid <= 600; ++uid) a.put(uid, ParseCache::kEnvelope, std::string(4000, 'a') + std::to_string(uid));
    CHECK(a.get(600, ParseCache::kEnvelope) == std::string(4000, 'a') + "600");
    a.release();
    ParseCache b(folder, 9, {599, 600});  // rewrites the file: other offsets
    CHECK(read_file(folder + "/tern-cache", 1 << 24).value().size() < 10'000);
    CHECK(a.get(599, ParseCache::kEnvelope) == std::string(4000, 'a') + "599");
    CHECK(a.get(600, ParseCache::kEnvelope) == std::string(4000, 'a') + "600");
    CHECK_FALSE(a.get(1, ParseCache::kEnvelope));
}

TEST_CASE("values read in order come right across read-ahead windows", "[store][cache]") {
    tern::test::TempDir dir;
    const auto& folder = dir.path();
    {
        ParseCache a(folder, 3, {});
        for (std::uint32_t uid = 1; uid <= 300; ++uid)
            a.put(uid, uid % 2 ? ParseCache::kEnvelope : ParseCache::kBody, std::string(uid * 7, char('a' + uid % 26)));
    }
    std::vector<std::uint32_t> all;
    for (std::uint32_t uid = 1; uid <= 300; ++uid) all.push_back(uid);
    ParseCache b(folder, 3, all);
    for (std::uint32_t uid = 300; uid >= 1; uid -= 3)  // backwards too
        CHECK(b.get(uid, uid % 2 ? ParseCache::kEnvelope : ParseCache::kBody) == std::string(uid * 7, char('a' + uid % 26)));
    for (std::uint32_t uid = 1; uid <= 300; ++uid) {
        CHECK(b.get(uid, uid % 2 ? ParseCache::kEnvelope : ParseCache::kBody) == std::string(uid * 7, char('a' + uid % 26)));
        CHECK_FALSE(b.get(uid, uid % 2 ? ParseCache::kBody : ParseCache::kEnvelope));
    }
}
