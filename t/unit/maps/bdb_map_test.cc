#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "libmail/maps/map.h"
#include "libmail/maps/table_build.h"
#include "t/unit/maps/temp_dir.h"

using namespace tern::maps;
using tern::maps::test::TempDir;
using tern::maps::test::get;

TEST_CASE("hash: and btree: built as postmap builds them answer lookups", "[maps]") {
    const std::string type = GENERATE(as<std::string>{}, "hash", "btree");
    TempDir d;
    const auto src = d.write("virtual", "Alice@Example.test  example.test/alice/\n"
                                        "bob@example.test    example.test/bob/\n"
                                        "alice@example.test  duplicate/\n");
    std::vector<std::string> warnings;
    REQUIRE(build_db_table(type, src, &warnings));
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == src + ":3: duplicate entry: \"alice@example.test\"");

    auto m = open_map(type + ":" + src);
    REQUIRE(m);
    CHECK(get(**m, "alice@example.test") == "example.test/alice/");
    CHECK(get(**m, "ALICE@example.TEST") == "example.test/alice/");
    CHECK(get(**m, "bob@example.test") == "example.test/bob/");
    CHECK(get(**m, "carol@example.test") == "<none>");
    CHECK(get(**m, "") == "<none>");
}

TEST_CASE("hash: the .db keeps the source's permissions and no temp file is left", "[maps]") {
    TempDir d;
    const auto src = d.write("private", "k v\n");
    REQUIRE(::chmod(src.c_str(), 0600) == 0);
    REQUIRE(build_db_table("hash", src));
    struct stat st {};
    REQUIRE(::stat((src + ".db").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    int files = 0;
    for (const auto& e : std::filesystem::directory_iterator(d.path())) {
        (void)e;
        ++files;
    }
    CHECK(files == 2);
}

TEST_CASE("hash: a malformed source builds nothing and names FILE:LINE", "[maps]") {
    TempDir d;
    const auto src = d.write("bad", "ok value\nbroken\n");
    auto r = build_db_table("hash", src);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == src + ":2: expected format: key whitespace value");
    struct stat st {};
    CHECK(::stat((src + ".db").c_str(), &st) != 0);
}

TEST_CASE("hash: a table without its .db is an error naming the file", "[maps]") {
    TempDir d;
    auto m = open_map("hash:" + d.path() + "/none");
    REQUIRE_FALSE(m);
    CHECK(m.error().message.find("open database " + d.path() + "/none.db") == 0);
    CHECK_FALSE(build_db_table("dbm", d.write("x", "a b\n")));
}

TEST_CASE("hash: dump_db_table lists what was built (postmap -s)", "[maps]") {
    TempDir d;
    const auto src = d.write("t", "B two\na one\n");
    REQUIRE(build_db_table("btree", src));
    auto all = dump_db_table("btree", src);
    REQUIRE(all);
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    CHECK(*all == Pairs{{"a", "one"}, {"b", "two"}});
    CHECK_FALSE(dump_db_table("btree", d.path() + "/none"));
}
