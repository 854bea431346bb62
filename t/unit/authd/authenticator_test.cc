#include <catch2/catch.hpp>

#include <crypt.h>

#include <string>

#include "authd/authenticator.h"
#include "libmail/auth/users_table.h"
#include "libmail/core/file_io.h"
#include "t/unit/temp_dir.h"

using namespace tern;
using namespace tern::authd;
using namespace std::chrono_literals;
using tern::test::TempDir;

namespace {

struct UsersDir {
    TempDir dir;
    std::string path = dir.path() + "/users";
    // Appends a raw table line (a hash made elsewhere, a disabled account).
    void append(const std::string& line) {
        auto text = read_file(path, 1 << 20);
        REQUIRE(write_file_atomic(path, (text ? *text : std::string()) + line + "\n", 0640));
    }
};

ipc::AttrList request(const std::string& user, const std::string& password, const std::string& client = "192.0.2.9") {
    return {{"request", "password"}, {"user", user}, {"password", password}, {"client_address", client}, {"service", "imapd"}};
}

std::string status(const ipc::AttrList& reply) { return reply.get_or("status", ""); }

// A crypt(3) hash of password with the method of prefix ("$2b$", "$6$", "$y$").
std::string crypt_hash(const char* prefix, const std::string& password) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    REQUIRE(::crypt_gensalt_rn(prefix, 0, nullptr, 0, salt, sizeof salt));
    crypt_data data{};
    const char* h = ::crypt_rn(password.c_str(), salt, &data, sizeof data);
    REQUIRE(h);
    REQUIRE(h[0] == '$');
    return h;
}

}  // namespace

TEST_CASE("authd accepts the right password and refuses the rest", "[authd]") {
    UsersDir d;
    REQUIRE(auth::add_user(d.path, "alice@example.test", "right"));
    d.append("bob@example.test:" + crypt_hash("$y$", "off") + ":0:disabled");
    Authenticator a(d.path, FailureTracker(100, 3600s, 3600s));
    const auto now = FailureTracker::Clock::now();

    auto ok = a.answer(request("Alice@EXAMPLE.test", "right"), now);
    CHECK(status(ok) == "ok");
    CHECK(ok.get_or("user", "") == "alice@example.test");
    CHECK_FALSE(ok.get("app_password"));
    auto wrong = a.answer(request("alice@example.test", "wrong"), now);
    CHECK(status(wrong) == "fail");
    CHECK(wrong.get_or("reason", "") == "wrong password");
    auto unknown = a.answer(request("nobody@example.test", "right"), now);
    CHECK(status(unknown) == "fail");
    CHECK(unknown.get_or("reason", "") == "unknown user");
    auto disabled = a.answer(request("bob@example.test", "off"), now);
    CHECK(status(disabled) == "fail");
    CHECK(disabled.get_or("reason", "") == "account disabled");
    CHECK(status(a.answer(request("not an address", "x"), now)) == "fail");
    auto other = a.answer(ipc::AttrList{{"request", "other"}}, now);
    CHECK(status(other) == "temp");
    CHECK(other.get_or("reason", "") == "unknown request");

    SECTION("a changed users table is re-read") {
        REQUIRE(auth::set_password(d.path, "alice@example.test", "changed"));
        CHECK(status(a.answer(request("alice@example.test", "right"), now)) == "fail");
        CHECK(status(a.answer(request("alice@example.test", "changed"), now)) == "ok");
    }
}

TEST_CASE("authd verifies yescrypt, bcrypt and SHA512-crypt hashes", "[authd]") {
    const char* prefix = GENERATE("$y$", "$2b$", "$6$");
    INFO(prefix);
    UsersDir d;
    d.append(std::string("carol@example.test:") + crypt_hash(prefix, "pässword") + ":0:active");
    Authenticator a(d.path, FailureTracker(100, 3600s, 3600s));
    const auto now = FailureTracker::Clock::now();
    CHECK(status(a.answer(request("carol@example.test", "pässword"), now)) == "ok");
    CHECK(status(a.answer(request("carol@example.test", "password"), now)) == "fail");
    CHECK(status(a.answer(request("carol@example.test", ""), now)) == "fail");
}

TEST_CASE("an unknown user costs a hash, as a wrong password does", "[authd]") {
    UsersDir d;
    REQUIRE(auth::add_user(d.path, "alice@example.test", "right"));
    Authenticator a(d.path, FailureTracker(100, 3600s, 3600s));
    const auto now = FailureTracker::Clock::now();
    const auto before_wrong = a.hashes_computed();
    REQUIRE(status(a.answer(request("alice@example.test", "wrong"), now)) == "fail");
    const auto wrong_cost = a.hashes_computed() - before_wrong;
    CHECK(wrong_cost == 1);
    const auto before_unknown = a.hashes_computed();
    REQUIRE(status(a.answer(request("nobody@example.test", "wrong"), now)) == "fail");
    CHECK(a.hashes_computed() - before_unknown == wrong_cost);
    // Even a name that is not an address.
    const auto before_bad = a.hashes_computed();
    REQUIRE(status(a.answer(request("no at sign", "wrong"), now)) == "fail");
    CHECK(a.hashes_computed() - before_bad == wrong_cost);
}

TEST_CASE("app passwords are accepted in place of the main password", "[authd]") {
    UsersDir d;
    REQUIRE(auth::add_user(d.path, "alice@example.test", "main-pw"));
    REQUIRE(auth::add_app_password(d.path, "alice@example.test", "phone", "abcd-efgh-ijkl-mnop"));
    REQUIRE(auth::add_app_password(d.path, "alice@example.test", "laptop", "qrst-uvwx-yzab-cdef"));
    Authenticator a(d.path, FailureTracker(100, 3600s, 3600s));
    const auto now = FailureTracker::Clock::now();

    CHECK(status(a.answer(request("alice@example.test", "main-pw"), now)) == "ok");
    auto phone = a.answer(request("alice@example.test", "abcd-efgh-ijkl-mnop"), now);
    CHECK(status(phone) == "ok");
    CHECK(phone.get_or("user", "") == "alice@example.test");
    CHECK(phone.get_or("app_password", "") == "phone");
    CHECK(a.answer(request("alice@example.test", "qrst-uvwx-yzab-cdef"), now).get_or("app_password", "") == "laptop");
    // Typed without the dashes, or with spaces as some clients show it.
    CHECK(status(a.answer(request("alice@example.test", "abcdefghijklmnop"), now)) == "ok");
    CHECK(status(a.answer(request("alice@example.test", "abcd efgh ijkl mnop"), now)) == "ok");
    CHECK(status(a.answer(request("alice@example.test", "abcd-efgh-ijkl-mnoq"), now)) == "fail");
    // An app password of one account is nothing for another.
    REQUIRE(auth::add_user(d.path, "bob@example.test", "bob-pw"));
    CHECK(status(a.answer(request("bob@example.test", "abcd-efgh-ijkl-mnop"), now)) == "fail");

    SECTION("a removed app password stops working; the others stay") {
        REQUIRE(auth::remove_app_password(d.path, "alice@example.test", "phone"));
        CHECK(status(a.answer(request("alice@example.test", "abcd-efgh-ijkl-mnop"), now)) == "fail");
        CHECK(status(a.answer(request("alice@example.test", "qrst-uvwx-yzab-cdef"), now)) == "ok");
        CHECK(status(a.answer(request("alice@example.test", "main-pw"), now)) == "ok");
    }
    SECTION("a disabled account refuses its app passwords too") {
        REQUIRE(auth::set_disabled(d.path, "alice@example.test", true));
        CHECK(status(a.answer(request("alice@example.test", "abcd-efgh-ijkl-mnop"), now)) == "fail");
    }
}

TEST_CASE("a disabled account cannot log in and is reported disabled", "[authd]") {
    UsersDir d;
    REQUIRE(auth::add_user(d.path, "alice@example.test", "right"));
    REQUIRE(auth::add_user(d.path, "bob@example.test", "bob-pw"));
    Authenticator a(d.path, FailureTracker(3, 3600s, 600s));
    const auto now = FailureTracker::Clock::now();
    auto account = [&](const std::string& user) {
        return status(a.answer(ipc::AttrList{{"request", "account"}, {"user", user}}, now));
    };
    CHECK(account("alice@example.test") == "active");
    CHECK(account("ALICE@example.TEST") == "active");
    CHECK(account("nobody@example.test") == "unknown");
    CHECK(account("not an address") == "unknown");

    REQUIRE(auth::set_disabled(d.path, "alice@example.test", true));
    CHECK(account("alice@example.test") == "disabled");
    CHECK(account("bob@example.test") == "active");
    // Its owner's client retrying the right password is not an attack: no ban.
    for (int i = 0; i < 5; ++i) CHECK(status(a.answer(request("alice@example.test", "right"), now + 1s * i)) == "fail");
    CHECK_FALSE(a.failures().is_banned("192.0.2.9", now + 10s));

    REQUIRE(auth::set_disabled(d.path, "alice@example.test", false));
    CHECK(account("alice@example.test") == "active");
    CHECK(status(a.answer(request("alice@example.test", "right"), now + 11s)) == "ok");
}

TEST_CASE("authd bans an address after auth_failure_limit failures, without checking", "[authd]") {
    UsersDir d;
    REQUIRE(auth::add_user(d.path, "alice@example.test", "right"));
    Authenticator a(d.path, FailureTracker(3, 3600s, 600s));
    const auto t0 = FailureTracker::Clock::now();
    auto banned = [&](const std::string& client, FailureTracker::Clock::time_point at) {
        return status(a.answer(ipc::AttrList{{"request", "banned"}, {"client_address", client}}, at));
    };
    for (int i = 0; i < 3; ++i) {
        CHECK(banned("198.51.100.1", t0 + 1s * i) == "ok");
        CHECK(status(a.answer(request("alice@example.test", "guess", "198.51.100.1"), t0 + 1s * i)) == "fail");
    }
    CHECK(banned("198.51.100.1", t0 + 10s) == "banned");
    CHECK(banned("198.51.100.2", t0 + 10s) == "ok");
    // Even the right password is refused while banned, at once (no hash); another address is not affected.
    const auto hashes = a.hashes_computed();
    CHECK(status(a.answer(request("alice@example.test", "right", "198.51.100.1"), t0 + 10s)) == "banned");
    CHECK(a.hashes_computed() == hashes);
    CHECK(status(a.answer(request("alice@example.test", "right", "198.51.100.2"), t0 + 10s)) == "ok");
    CHECK(status(a.answer(request("alice@example.test", "right", "198.51.100.1"), t0 + 700s)) == "ok");
    CHECK(banned("198.51.100.1", t0 + 700s) == "ok");
}

TEST_CASE("a ban made through authd is still there for the next authd", "[authd]") {
    UsersDir d;
    REQUIRE(auth::add_user(d.path, "alice@example.test", "right"));
    const std::string state = d.dir.path() + "/bans";
    const FailureTracker::Policy policy{2, 3600s, 600s, 6000s};
    const auto t0 = FailureTracker::Clock::now();
    {
        Authenticator a(d.path, FailureTracker(policy, state));
        for (int i = 0; i < 2; ++i) a.answer(request("alice@example.test", "guess", "198.51.100.1"), t0 + 1s * i);
    }
    FailureTracker loaded(policy, state);
    loaded.load(t0 + 5s);
    Authenticator b(d.path, std::move(loaded));
    CHECK(status(b.answer(request("alice@example.test", "right", "198.51.100.1"), t0 + 5s)) == "banned");
}

TEST_CASE("submitted messages are counted against smtpd_user_message_rate_limit per hour", "[authd]") {
    UsersDir d;
    REQUIRE(auth::add_user(d.path, "alice@example.test", "right"));
    const auto t0 = FailureTracker::Clock::now();
    auto message = [](Authenticator& a, const std::string& user, FailureTracker::Clock::time_point at) {
        return status(a.answer(ipc::AttrList{{"request", "message"}, {"user", user}}, at));
    };
    Authenticator a(d.path, FailureTracker(100, 3600s, 600s), 3);
    for (int i = 0; i < 3; ++i) CHECK(message(a, "alice@example.test", t0 + 60s * i) == "ok");
    auto over = a.answer(ipc::AttrList{{"request", "message"}, {"user", "Alice@Example.test"}}, t0 + 200s);
    CHECK(status(over) == "exceeded");
    CHECK(over.get_or("reason", "") == "more than 3 messages per hour");
    // Another user has an allowance of their own.
    CHECK(message(a, "bob@example.test", t0 + 200s) == "ok");
    // A refused message is not counted: an hour after the first, one place is free again.
    CHECK(message(a, "alice@example.test", t0 + 3599s) == "exceeded");
    CHECK(message(a, "alice@example.test", t0 + 3600s) == "ok");
    CHECK(message(a, "alice@example.test", t0 + 3601s) == "exceeded");
    CHECK(message(a, "", t0) == "temp");

    SECTION("0 means no limit") {
        Authenticator unlimited(d.path, FailureTracker(100, 3600s, 600s), 0);
        for (int i = 0; i < 1000; ++i) REQUIRE(message(unlimited, "alice@example.test", t0) == "ok");
    }
}

TEST_CASE("a missing users table is a temporary failure that bans nobody", "[authd]") {
    Authenticator a("/nonexistent/tern/users", FailureTracker(1, 3600s, 3600s));
    const auto now = FailureTracker::Clock::now();
    CHECK(status(a.answer(request("alice@example.test", "x"), now)) == "temp");
    CHECK(status(a.answer(request("alice@example.test", "x"), now)) == "temp");
    CHECK_FALSE(a.failures().is_banned("192.0.2.9", now));
    CHECK(status(a.answer(ipc::AttrList{{"request", "account"}, {"user", "alice@example.test"}}, now)) == "temp");
}
