#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>

#include "authd/authenticator.h"
#include "libmail/auth/users_table.h"
#include "libmail/core/file_io.h"

using namespace tern;
using namespace tern::authd;
using namespace std::chrono_literals;

namespace {

struct UsersDir {
    std::string dir, path;
    UsersDir() {
        char tmpl[] = "/tmp/tern-authd-XXXXXX";
        REQUIRE(::mkdtemp(tmpl));
        dir = tmpl;
        path = dir + "/users";
    }
    ~UsersDir() {
        ::unlink(path.c_str());
        ::rmdir(dir.c_str());
    }
};

ipc::AttrList request(const std::string& user, const std::string& password, const std::string& client = "192.0.2.9") {
    return {{"request", "password"}, {"user", user}, {"password", password}, {"client_address", client}, {"service", "imapd"}};
}

}  // namespace

TEST_CASE("authd accepts the right password and refuses the rest", "[authd]") {
    UsersDir d;
    REQUIRE(auth::add_user(d.path, "alice@example.test", "right"));
    auto hash = auth::hash_password("off");
    REQUIRE(hash);
    auto text = read_file(d.path, 1 << 20);
    REQUIRE(write_file_atomic(d.path, *text + "bob@example.test:" + *hash + ":0:disabled\n", 0640));
    Authenticator a(d.path, FailureTracker(100, 3600s, 3600s));
    const auto now = FailureTracker::Clock::now();

    auto ok = a.answer(request("Alice@EXAMPLE.test", "right"), now);
    CHECK(ok.get_or("status", "") == "ok");
    CHECK(ok.get_or("user", "") == "alice@example.test");
    CHECK(a.answer(request("alice@example.test", "wrong"), now).get_or("status", "") == "fail");
    CHECK(a.answer(request("nobody@example.test", "right"), now).get_or("status", "") == "fail");
    auto disabled = a.answer(request("bob@example.test", "off"), now);
    CHECK(disabled.get_or("status", "") == "fail");
    CHECK(disabled.get_or("reason", "") == "account disabled");
    CHECK(a.answer(request("not an address", "x"), now).get_or("status", "") == "fail");
    CHECK(a.answer(ipc::AttrList{{"request", "other"}}, now).get_or("status", "") == "temp");

    SECTION("a changed users table is re-read") {
        REQUIRE(auth::set_password(d.path, "alice@example.test", "changed"));
        CHECK(a.answer(request("alice@example.test", "right"), now).get_or("status", "") == "fail");
        CHECK(a.answer(request("alice@example.test", "changed"), now).get_or("status", "") == "ok");
    }
}

TEST_CASE("authd bans an address after auth_failure_limit failures, without checking", "[authd]") {
    UsersDir d;
    REQUIRE(auth::add_user(d.path, "alice@example.test", "right"));
    Authenticator a(d.path, FailureTracker(3, 3600s, 600s));
    const auto t0 = FailureTracker::Clock::now();
    for (int i = 0; i < 3; ++i)
        CHECK(a.answer(request("alice@example.test", "guess", "198.51.100.1"), t0 + 1s * i).get_or("status", "") == "fail");
    // Even the right password is refused while banned; another address is not affected.
    CHECK(a.answer(request("alice@example.test", "right", "198.51.100.1"), t0 + 10s).get_or("status", "") == "banned");
    CHECK(a.answer(request("alice@example.test", "right", "198.51.100.2"), t0 + 10s).get_or("status", "") == "ok");
    CHECK(a.answer(request("alice@example.test", "right", "198.51.100.1"), t0 + 700s).get_or("status", "") == "ok");
}

TEST_CASE("a missing users table is a temporary failure that bans nobody", "[authd]") {
    Authenticator a("/nonexistent/tern/users", FailureTracker(1, 3600s, 3600s));
    const auto now = FailureTracker::Clock::now();
    CHECK(a.answer(request("alice@example.test", "x"), now).get_or("status", "") == "temp");
    CHECK(a.answer(request("alice@example.test", "x"), now).get_or("status", "") == "temp");
}
