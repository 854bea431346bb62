#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "libmail/auth/users_table.h"
#include "libmail/core/file_io.h"

using namespace tern;
using namespace tern::auth;

TEST_CASE("users are added with yescrypt hashes and verified", "[auth]") {
    char tmpl[] = "/tmp/tern-users-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    const std::string path = std::string(tmpl) + "/users";
    REQUIRE(write_file_atomic(path, "# header kept\n", 0600));
    REQUIRE(add_user(path, "Alice@Example.TEST", "s3cret"));
    auto users = load_users(path);
    REQUIRE(users);
    REQUIRE(users->size() == 1);
    CHECK((*users)[0].address == "alice@example.test");
    CHECK((*users)[0].hash.rfind("$y$", 0) == 0);
    CHECK(verify_password("s3cret", (*users)[0].hash));
    CHECK_FALSE(verify_password("s3cret ", (*users)[0].hash));
    CHECK_FALSE(verify_password("", (*users)[0].hash));
    auto text = read_file(path, 1 << 20);
    REQUIRE(text);
    CHECK(text->find("s3cret") == std::string::npos);
    CHECK(text->rfind("# header kept\n", 0) == 0);
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    SECTION("adding twice is refused; set_password replaces") {
        auto again = add_user(path, "alice@example.test", "x");
        REQUIRE_FALSE(again);
        CHECK(again.error().message == "user alice@example.test already exists");
        REQUIRE(set_password(path, "alice@example.test", "new"));
        CHECK(verify_password("new", (*load_users(path))[0].hash));
        CHECK_FALSE(set_password(path, "nobody@example.test", "x"));
    }
    ::unlink(path.c_str());
    ::rmdir(tmpl);
}

TEST_CASE("the users table is parsed strictly, with file:line errors", "[auth]") {
    CHECK(parse_users("a@b.test:$y$abc:0:active\nb@b.test:$6$x$y:100:disabled\n", "users")->size() == 2);
    auto bad = parse_users("a@b.test:$y$abc:0:active\nnot a line\n", "users");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == "users:2: expected user@domain:hash:quota:state");
    CHECK(parse_users("a@b.test:plaintext:0:active\n", "u").error().message == "u:1: password field is not a crypt(3) hash");
    CHECK_FALSE(parse_users("a@b.test:$y$x:big:active\n", "u"));
    CHECK_FALSE(canonical_address("no-at-sign"));
    CHECK_FALSE(canonical_address("a@b..c"));
    CHECK_FALSE(canonical_address("a b@c"));
    CHECK(*canonical_address("A@B.C") == "a@b.c");
}

TEST_CASE("a new users table is created 0640 and looked up by canonical address", "[auth]") {
    char tmpl[] = "/tmp/tern-users-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    const std::string path = std::string(tmpl) + "/users";
    REQUIRE(add_user(path, "bob@example.test", "pw1"));
    REQUIRE(add_user(path, "carol@example.test", "pw2"));
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
    auto users = load_users(path);
    REQUIRE(users);
    REQUIRE(users->size() == 2);
    const Account* carol = find_account(*users, "carol@example.test");
    REQUIRE(carol);
    CHECK(verify_password("pw2", carol->hash));
    CHECK_FALSE(verify_password("pw1", carol->hash));
    CHECK_FALSE(carol->disabled);
    CHECK(find_account(*users, "dave@example.test") == nullptr);
    CHECK(add_user(path, "eve@example.test", "").error().message == "empty password");
    CHECK_FALSE(add_user(path, "eve@example.test", "a\nb"));
    CHECK_FALSE(add_user(path, "not-an-address", "pw"));
    ::unlink(path.c_str());
    ::rmdir(tmpl);
}

TEST_CASE("users table limits and error lines", "[auth]") {
    const std::string long_line = "a@b.test:$y$" + std::string(kMaxUsersLineBytes, 'x') + ":0:active\n";
    CHECK(parse_users("# c\n" + long_line, "users").error().message == "users:2: line too long");
    CHECK(parse_users("a@b.test:$y$x:0:active\nA@B.test:$y$x:0:active\n", "u").error().message ==
          "u:2: duplicate account a@b.test");
    CHECK(parse_users("a@b.test:$y$x:0:frozen\n", "u").error().message == "u:1: state must be active or disabled");
    CHECK_FALSE(parse_users("a@b.test:$y$x:0:active:\n", "u"));
    CHECK_FALSE(parse_users("a@b.test::0:active\n", "u"));
    CHECK(parse_users("\n# only comments\n   \n", "u")->empty());
    CHECK_FALSE(load_users("/nonexistent/tern/users"));
    CHECK_FALSE(canonical_address(std::string(250, 'a') + "@b.test"));
    CHECK_FALSE(canonical_address("a:b@c.test"));
    CHECK_FALSE(verify_password("x", "not-a-hash"));
}
