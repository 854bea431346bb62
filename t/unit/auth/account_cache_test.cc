#include <catch2/catch.hpp>

#include "libmail/auth/account_cache.h"
#include "t/unit/temp_dir.h"

using namespace tern;
using namespace tern::auth;

namespace {

AccountVerdict active(std::uint64_t quota) {
    AccountVerdict v;
    v.kind = AccountVerdict::Kind::Active;
    v.quota.bytes = quota;
    return v;
}

}  // namespace

TEST_CASE("an account verdict is reused only while the users table is unchanged", "[auth]") {
    test::TempDir dir;
    const std::string users = dir.write("users", "alice@example.test:{SHA512-CRYPT}x:::\n");
    AccountCache cache(users);
    auto asked = cache.identify();
    REQUIRE(asked);
    cache.remember("alice@example.test", *asked, active(1000));
    auto now = cache.identify();
    REQUIRE(now);
    const AccountVerdict* known = cache.find("alice@example.test", *now);
    REQUIRE(known);
    CHECK(known->kind == AccountVerdict::Kind::Active);
    CHECK(known->quota.bytes == 1000);
    CHECK_FALSE(cache.find("bob@example.test", *now));

    SECTION("a rewritten table (tern user: a new quota, a disabled account) is asked again") {
        dir.write("users", "alice@example.test:{SHA512-CRYPT}x::disabled:\n");
        auto changed = cache.identify();
        REQUIRE(changed);
        CHECK_FALSE(cache.find("alice@example.test", *changed));
    }
    SECTION("a verdict asked before a change is not taken as an answer after it") {
        dir.write("users", "alice@example.test:{SHA512-CRYPT}x:::\n# edited\n");
        cache.remember("carol@example.test", *asked, active(0));  // asked before the edit, answered after
        CHECK_FALSE(cache.find("carol@example.test", *cache.identify()));
    }
    SECTION("authd not answering is never remembered") {
        AccountVerdict temp;
        temp.kind = AccountVerdict::Kind::TempFail;
        cache.remember("dave@example.test", *now, temp);
        CHECK_FALSE(cache.find("dave@example.test", *now));
    }
    SECTION("the cache is bounded") {
        for (std::size_t i = 0; i <= AccountCache::kMaxEntries; ++i)
            cache.remember("u" + std::to_string(i) + "@example.test", *now, active(0));
        std::size_t kept = 0;
        for (std::size_t i = 0; i <= AccountCache::kMaxEntries; ++i)
            kept += cache.find("u" + std::to_string(i) + "@example.test", *now) != nullptr;
        CHECK(kept <= AccountCache::kMaxEntries);
        CHECK(cache.find("u" + std::to_string(AccountCache::kMaxEntries) + "@example.test", *now));
    }
}

TEST_CASE("without a users table to stat nothing is cached", "[auth]") {
    CHECK_FALSE(AccountCache("").identify());
    CHECK_FALSE(AccountCache("/nonexistent/users").identify());
}
