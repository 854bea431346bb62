// The maildrop lock: one holder at a time, released when its descriptor
// closes (which is what a crash does too), and the last-login record behind
// LOGIN-DELAY.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "pop3d/maildrop_lock.h"
#include "t/unit/temp_dir.h"

using namespace tern::pop3d;
using namespace std::chrono_literals;
using Clock = MaildropLock::Clock;

TEST_CASE("a second holder gets EWOULDBLOCK until the first is gone", "[pop3d][lock]") {
    tern::test::TempDir dir;
    auto first = MaildropLock::try_acquire(dir.path());
    REQUIRE(first);
    auto second = MaildropLock::try_acquire(dir.path());
    REQUIRE_FALSE(second);
    CHECK(second.error().code == EWOULDBLOCK);
    { auto gone = std::move(*first); }
    CHECK(MaildropLock::try_acquire(dir.path()));
}

TEST_CASE("a killed holder leaves no lock behind", "[pop3d][lock]") {
    tern::test::TempDir dir;
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        auto l = MaildropLock::try_acquire(dir.path());
        const char c = l ? 'y' : 'n';
        (void)!::write(ready[1], &c, 1);
        ::pause();
        ::_exit(0);
    }
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    CHECK(c == 'y');
    CHECK(MaildropLock::try_acquire(dir.path()).error().code == EWOULDBLOCK);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    CHECK(MaildropLock::try_acquire(dir.path()));
    ::close(ready[0]);
    ::close(ready[1]);
}

TEST_CASE("the last login survives the lock and a garbled record is ignored", "[pop3d][lock]") {
    tern::test::TempDir dir;
    const auto t = Clock::time_point(1765072800s);
    {
        auto l = MaildropLock::try_acquire(dir.path());
        REQUIRE(l);
        CHECK_FALSE(l->last_login());  // a new file: never logged in
        REQUIRE(l->record_login(t));
        REQUIRE(l->record_login(t + 5s));  // rewritten in place, never appended
    }
    auto l = MaildropLock::try_acquire(dir.path());
    REQUIRE(l);
    REQUIRE(l->last_login());
    CHECK(*l->last_login() == t + 5s);
    std::ifstream f(dir.path() + "/tern-pop3.lock");
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    CHECK(text == "00000000001765072805\n");
    dir.write("tern-pop3.lock", "00000000x01765072805\n");
    auto garbled = MaildropLock::try_acquire(dir.path());
    REQUIRE(garbled);
    CHECK_FALSE(garbled->last_login());
}

TEST_CASE("a symlink in place of the lock file is refused", "[pop3d][lock]") {
    tern::test::TempDir dir;
    REQUIRE(::symlink("/etc/passwd", (dir.path() + "/tern-pop3.lock").c_str()) == 0);
    auto l = MaildropLock::try_acquire(dir.path());
    REQUIRE_FALSE(l);
    CHECK(l.error().code == ELOOP);
}

TEST_CASE("login_too_early", "[pop3d][lock]") {
    const auto now = Clock::time_point(1765072800s);
    CHECK_FALSE(login_too_early(std::nullopt, now, 60s));
    CHECK(login_too_early(now - 59s, now, 60s));
    CHECK_FALSE(login_too_early(now - 60s, now, 60s));
    CHECK_FALSE(login_too_early(now - 1s, now, 0s));     // no delay configured
    CHECK_FALSE(login_too_early(now + 3600s, now, 60s));  // the clock went back: let the user in
}
