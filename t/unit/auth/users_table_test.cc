#include <catch2/catch.hpp>

#include <crypt.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libmail/auth/users_table.h"
#include "libmail/core/file_io.h"
#include "t/unit/temp_dir.h"

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
    CHECK(bad.error().message == "users:2: expected user@domain:hash:quota:state[:app-passwords]");
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

TEST_CASE("app passwords: stored as hashes in a 5th field, parsed strictly", "[auth]") {
    tern::test::TempDir dir;
    const std::string path = dir.path() + "/users";
    REQUIRE(add_user(path, "alice@example.test", "main"));
    REQUIRE(add_user(path, "bob@example.test", "bobs"));
    REQUIRE(add_app_password(path, "Alice@example.test", "phone", "abcd-efgh-ijkl-mnop"));
    REQUIRE(add_app_password(path, "alice@example.test", "mail.client_2", "qrst uvwx yzab cdef"));
    auto text = read_file(path, 1 << 20);
    REQUIRE(text);
    CHECK(text->find("abcd") == std::string::npos);  // only hashes are stored
    CHECK(text->find(":active:phone=$y$") != std::string::npos);
    CHECK(text->find(",mail.client_2=$y$") != std::string::npos);
    auto users = load_users(path);
    REQUIRE(users);
    const Account* alice = find_account(*users, "alice@example.test");
    REQUIRE(alice);
    REQUIRE(alice->app_passwords.size() == 2);
    CHECK(alice->app_passwords[0].label == "phone");
    CHECK(verify_password("abcdefghijklmnop", alice->app_passwords[0].hash));
    CHECK(verify_password(normalize_app_password("qrst-uvwx-yzab-cdef"), alice->app_passwords[1].hash));
    CHECK(find_account(*users, "bob@example.test")->app_passwords.empty());
    CHECK(text->find("bob@example.test:$y$") != std::string::npos);
    CHECK(text->find(":0:active\n") != std::string::npos);  // no 5th field without app passwords
    CHECK(format_users(*users, "# h\n") == "# h\n" + *text);

    CHECK(add_app_password(path, "alice@example.test", "phone", "x").error().message ==
          "alice@example.test already has an app password named phone");
    CHECK_FALSE(add_app_password(path, "alice@example.test", "bad label", "x"));
    CHECK_FALSE(add_app_password(path, "alice@example.test", "", "x"));
    CHECK_FALSE(add_app_password(path, "alice@example.test", std::string(kMaxAppLabelBytes + 1, 'a'), "x"));
    CHECK_FALSE(add_app_password(path, "alice@example.test", "empty", "- -"));
    CHECK(add_app_password(path, "nobody@example.test", "x", "pw").error().message == "no such user: nobody@example.test");
    CHECK(remove_app_password(path, "alice@example.test", "tablet").error().message ==
          "alice@example.test has no app password named tablet");
    REQUIRE(remove_app_password(path, "alice@example.test", "phone"));
    REQUIRE(remove_app_password(path, "alice@example.test", "mail.client_2"));
    CHECK(read_file(path, 1 << 20)->find("alice@example.test:$y$") != std::string::npos);
    CHECK(load_users(path)->at(0).app_passwords.empty());
    for (std::size_t i = 0; i < kMaxAppPasswords; ++i)
        REQUIRE(add_app_password(path, "bob@example.test", "p" + std::to_string(i), "pw"));
    CHECK_FALSE(add_app_password(path, "bob@example.test", "one-more", "pw"));
    CHECK(load_users(path));  // the longest allowed line still fits kMaxUsersLineBytes

    CHECK(parse_users("a@b.test:$y$x:0:active:p=$y$a,q=$6$b\n", "u")->at(0).app_passwords.size() == 2);
    CHECK(parse_users("a@b.test:$y$x:0:active:p=$y$a,p=$y$b\n", "u").error().message == "u:1: duplicate app password p");
    CHECK(parse_users("a@b.test:$y$x:0:active:p=plain\n", "u").error().message ==
          "u:1: app password p is not a crypt(3) hash");
    CHECK(parse_users("a@b.test:$y$x:0:active:bad label=$y$a\n", "u").error().message ==
          "u:1: bad app password label: bad label");
    CHECK_FALSE(parse_users("a@b.test:$y$x:0:active:p=$y$a:extra\n", "u"));
}

TEST_CASE("accounts are disabled and enabled again", "[auth]") {
    tern::test::TempDir dir;
    const std::string path = dir.path() + "/users";
    REQUIRE(add_user(path, "alice@example.test", "main"));
    REQUIRE(set_disabled(path, "ALICE@example.test", true));
    CHECK(load_users(path)->at(0).disabled);
    CHECK(read_file(path, 1 << 20)->find(":0:disabled\n") != std::string::npos);
    REQUIRE(set_disabled(path, "alice@example.test", true));  // already disabled: not an error
    REQUIRE(set_disabled(path, "alice@example.test", false));
    CHECK_FALSE(load_users(path)->at(0).disabled);
    CHECK(verify_password("main", load_users(path)->at(0).hash));  // the password is kept
    CHECK(set_disabled(path, "bob@example.test", true).error().message == "no such user: bob@example.test");
    CHECK_FALSE(set_disabled(dir.path() + "/missing", "alice@example.test", true));
}

TEST_CASE("generated app passwords are 4 groups of 4 letters, each new", "[auth]") {
    auto a = generate_app_password();
    auto b = generate_app_password();
    REQUIRE(a);
    REQUIRE(b);
    CHECK(*a != *b);
    REQUIRE(a->size() == 19);
    for (std::size_t i = 0; i < a->size(); ++i) {
        INFO(*a);
        if (i % 5 == 4) CHECK((*a)[i] == '-');
        else CHECK(((*a)[i] >= 'a' && (*a)[i] <= 'z'));
    }
    CHECK(normalize_app_password(*a).size() == 16);
    CHECK(valid_app_label("phone-2.work_x"));
    CHECK_FALSE(valid_app_label("a,b"));
    CHECK_FALSE(valid_app_label("a=b"));
    CHECK_FALSE(valid_app_label("a:b"));
}

TEST_CASE("passwords are verified against yescrypt, bcrypt and SHA512-crypt hashes", "[auth]") {
    // Hashes made by crypt(3) directly, with each method's salt: verification
    // does not depend on how Tern itself hashes.
    for (const char* prefix : {"$y$", "$2b$", "$6$"}) {
        char salt[CRYPT_GENSALT_OUTPUT_SIZE];
        REQUIRE(::crypt_gensalt_rn(prefix, 0, nullptr, 0, salt, sizeof salt));
        crypt_data data{};
        const char* h = ::crypt_rn("s3cret", salt, &data, sizeof data);
        REQUIRE(h);
        const std::string hash = h;
        INFO(hash);
        CHECK(hash.rfind(prefix, 0) == 0);
        CHECK(verify_password("s3cret", hash));
        CHECK_FALSE(verify_password("s3cret!", hash));
        CHECK_FALSE(verify_password("s3cret", hash.substr(0, hash.size() - 1)));
    }
    CHECK_FALSE(verify_password(std::string(kMaxPasswordBytes + 1, 'a'), "$6$x$y"));
    CHECK_FALSE(verify_password("", ""));
}

TEST_CASE("quotas: BYTES[/MESSAGES] with K M G T suffixes, set by tern user quota", "[auth]") {
    CHECK(parse_quota("0").value() == std::make_pair<std::uint64_t, std::uint64_t>(0, 0));
    CHECK(parse_quota("1G/50000").value() == std::make_pair<std::uint64_t, std::uint64_t>(1ULL << 30, 50000));
    CHECK(parse_quota("500m").value().first == 500ULL << 20);
    CHECK(parse_quota("2048").value().first == 2048);
    CHECK_FALSE(parse_quota("1X"));
    CHECK_FALSE(parse_quota("1G/"));
    CHECK_FALSE(parse_quota("99999999999T"));
    tern::test::TempDir dir;
    const std::string path = dir.path() + "/users";
    REQUIRE(add_user(path, "alice@example.test", "pw"));
    REQUIRE(set_quota(path, "alice@example.test", "2M/100"));
    auto users = load_users(path);
    REQUIRE(users);
    CHECK((*users)[0].quota == 2ULL << 20);
    CHECK((*users)[0].quota_messages == 100);
    CHECK(read_file(path, 4096).value().find(":2097152/100:active") != std::string::npos);
    auto bad = set_quota(path, "alice@example.test", "lots");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == "bad quota \"lots\": expected BYTES[/MESSAGES], e.g. 1G/50000");
    CHECK_FALSE(set_quota(path, "nobody@example.test", "1M"));
}
