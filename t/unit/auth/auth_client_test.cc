#include <catch2/catch.hpp>

#include <event2/event.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>

#include "libmail/auth/auth_client.h"
#include "libmail/ipc/attr_channel.h"

using namespace tern;
using namespace tern::auth;

namespace {

// A throwaway queue directory whose private/auth is a listening socket that a
// fake authd (on the same loop) answers.
struct FakeAuthd {
    std::string dir;
    int listen_fd = -1;
    event_base* base;
    event* accept_ev = nullptr;
    std::unique_ptr<ipc::AttrChannel> chan;
    ipc::AttrList last_request;
    ipc::AttrList reply;

    explicit FakeAuthd(event_base* b) : base(b) {
        char tmpl[] = "/tmp/tern-authq-XXXXXX";
        REQUIRE(::mkdtemp(tmpl));
        dir = tmpl;
        REQUIRE(::mkdir((dir + "/private").c_str(), 0700) == 0);
        listen_fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        const std::string path = dir + "/private/auth";
        std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
        REQUIRE(::bind(listen_fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) == 0);
        REQUIRE(::listen(listen_fd, 5) == 0);
        accept_ev = event_new(base, listen_fd, EV_READ, on_accept, this);
        event_add(accept_ev, nullptr);
    }
    ~FakeAuthd() {
        chan.reset();
        event_free(accept_ev);
        ::close(listen_fd);
        ::unlink((dir + "/private/auth").c_str());
        ::rmdir((dir + "/private").c_str());
        ::rmdir(dir.c_str());
    }
    static void on_accept(evutil_socket_t fd, short, void* ctx) noexcept {
        auto* self = static_cast<FakeAuthd*>(ctx);
        self->chan = std::make_unique<ipc::AttrChannel>(self->base, UniqueFd(::accept(fd, nullptr, nullptr)));
        self->chan->on_message([self](ipc::AttrList&& req) {
            self->last_request = std::move(req);
            self->chan->send(self->reply);
        });
    }
};

void run_briefly(event_base* base, int ms = 2000) {
    const timeval limit{ms / 1000, (ms % 1000) * 1000};
    event_base_loopexit(base, &limit);
    event_base_dispatch(base);
}

}  // namespace

TEST_CASE("PasswordCheck sends the request to private/auth and reports authd's verdict", "[auth]") {
    event_base* base = event_base_new();
    {
        FakeAuthd authd(base);
        using P = std::pair<const char*, Verdict::Kind>;
        const auto [status, kind] = GENERATE(P{"ok", Verdict::Kind::Ok}, P{"fail", Verdict::Kind::Fail},
                                             P{"banned", Verdict::Kind::Banned}, P{"temp", Verdict::Kind::TempFail},
                                             P{"weird", Verdict::Kind::TempFail});
        authd.reply = ipc::AttrList{{"status", status}, {"user", "alice@example.test"}, {"reason", "why"}};
        int calls = 0;
        Verdict got;
        auto check = PasswordCheck::start(base, authd.dir,
                                          PasswordRequest{"Alice@Example.test", "pw", "192.0.2.7", "imapd"},
                                          [&](const Verdict& v) {
                                              ++calls;
                                              got = v;
                                              event_base_loopbreak(base);
                                          });
        CHECK(calls == 0);
        run_briefly(base);
        REQUIRE(calls == 1);
        CHECK(got.kind == kind);
        CHECK(got.user == "alice@example.test");
        CHECK(authd.last_request.get_or("request", "") == "password");
        CHECK(authd.last_request.get_or("user", "") == "Alice@Example.test");
        CHECK(authd.last_request.get_or("password", "") == "pw");
        CHECK(authd.last_request.get_or("client_address", "") == "192.0.2.7");
        CHECK(authd.last_request.get_or("service", "") == "imapd");
        run_briefly(base, 100);
        CHECK(calls == 1);
    }
    event_base_free(base);
}

TEST_CASE("authd unreachable is a temporary failure reported from the loop", "[auth]") {
    event_base* base = event_base_new();
    int calls = 0;
    Verdict got;
    got.kind = Verdict::Kind::Ok;
    auto check = PasswordCheck::start(base, "/nonexistent-tern-queue", PasswordRequest{"a@b.test", "pw", "", "pop3d"},
                                      [&](const Verdict& v) {
                                          ++calls;
                                          got = v;
                                          event_base_loopbreak(base);
                                      });
    CHECK(calls == 0);  // never from inside start()
    run_briefly(base);
    CHECK(calls == 1);
    CHECK(got.kind == Verdict::Kind::TempFail);
    CHECK(got.reason.find("authd unreachable") != std::string::npos);
    event_base_free(base);
}

TEST_CASE("destroying a PasswordCheck cancels its callback", "[auth]") {
    event_base* base = event_base_new();
    int calls = 0;
    auto check = PasswordCheck::start(base, "/nonexistent-tern-queue", PasswordRequest{"a@b.test", "pw", "", "pop3d"},
                                      [&](const Verdict&) { ++calls; });
    check.reset();
    run_briefly(base, 100);
    CHECK(calls == 0);
    event_base_free(base);
}

namespace {

// Runs one check against the fake authd and returns the verdict it reported.
template <class Verdict, class Start>
Verdict ask(event_base* base, Start start) {
    int calls = 0;
    Verdict got;
    auto check = start([&](const Verdict& v) {
        ++calls;
        got = v;
        event_base_loopbreak(base);
    });
    CHECK(calls == 0);
    run_briefly(base);
    CHECK(calls == 1);
    return got;
}

}  // namespace

TEST_CASE("AccountCheck asks request=account and reports active, disabled, unknown", "[auth]") {
    event_base* base = event_base_new();
    {
        FakeAuthd authd(base);
        using K = AccountVerdict::Kind;
        using P = std::pair<const char*, K>;
        const auto [status, kind] = GENERATE(P{"active", K::Active}, P{"disabled", K::Disabled},
                                             P{"unknown", K::Unknown}, P{"temp", K::TempFail}, P{"ok", K::TempFail});
        authd.reply = ipc::AttrList{{"status", status}};
        auto got = ask<AccountVerdict>(base, [&](AccountCheck::Done done) {
            return AccountCheck::start(base, authd.dir, "Bob@Example.test", std::move(done));
        });
        CHECK(got.kind == kind);
        CHECK(authd.last_request.get_or("request", "") == "account");
        CHECK(authd.last_request.get_or("user", "") == "Bob@Example.test");
    }
    event_base_free(base);
}

TEST_CASE("BanCheck asks request=banned for the client address", "[auth]") {
    event_base* base = event_base_new();
    {
        FakeAuthd authd(base);
        using K = BanVerdict::Kind;
        using P = std::pair<const char*, K>;
        const auto [status, kind] = GENERATE(P{"ok", K::Ok}, P{"banned", K::Banned}, P{"temp", K::TempFail});
        authd.reply = ipc::AttrList{{"status", status}, {"reason", "r"}};
        auto got = ask<BanVerdict>(base, [&](BanCheck::Done done) {
            return BanCheck::start(base, authd.dir, "2001:db8::1", std::move(done));
        });
        CHECK(got.kind == kind);
        CHECK(got.reason == "r");
        CHECK(authd.last_request.get_or("request", "") == "banned");
        CHECK(authd.last_request.get_or("client_address", "") == "2001:db8::1");
    }
    event_base_free(base);
}

TEST_CASE("MessageCount asks request=message for the user", "[auth]") {
    event_base* base = event_base_new();
    {
        FakeAuthd authd(base);
        using K = RateVerdict::Kind;
        using P = std::pair<const char*, K>;
        const auto [status, kind] = GENERATE(P{"ok", K::Ok}, P{"exceeded", K::Exceeded}, P{"temp", K::TempFail});
        authd.reply = ipc::AttrList{{"status", status}};
        auto got = ask<RateVerdict>(base, [&](MessageCount::Done done) {
            return MessageCount::start(base, authd.dir, "alice@example.test", std::move(done));
        });
        CHECK(got.kind == kind);
        CHECK(authd.last_request.get_or("request", "") == "message");
        CHECK(authd.last_request.get_or("user", "") == "alice@example.test");
    }
    event_base_free(base);
}

TEST_CASE("every check is a temporary failure when authd is unreachable", "[auth]") {
    event_base* base = event_base_new();
    int calls = 0;
    auto count = [&] {
        if (++calls == 3) event_base_loopbreak(base);
    };
    AccountVerdict a;
    BanVerdict b;
    RateVerdict r;
    a.kind = AccountVerdict::Kind::Active;
    b.kind = BanVerdict::Kind::Ok;
    r.kind = RateVerdict::Kind::Ok;
    auto c1 = AccountCheck::start(base, "/nonexistent-tern-queue", "a@b.test", [&](const AccountVerdict& v) { a = v; count(); });
    auto c2 = BanCheck::start(base, "/nonexistent-tern-queue", "192.0.2.1", [&](const BanVerdict& v) { b = v; count(); });
    auto c3 = MessageCount::start(base, "/nonexistent-tern-queue", "a@b.test", [&](const RateVerdict& v) { r = v; count(); });
    CHECK(calls == 0);
    run_briefly(base);
    CHECK(calls == 3);
    CHECK(a.kind == AccountVerdict::Kind::TempFail);
    CHECK(b.kind == BanVerdict::Kind::TempFail);
    CHECK(r.kind == RateVerdict::Kind::TempFail);
    CHECK(a.reason.find("authd unreachable") != std::string::npos);
    event_base_free(base);
}
