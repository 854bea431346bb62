#include <catch2/catch.hpp>

#include <event2/listener.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "libmail/ipc/channel_pool.h"
#include "t/unit/run_loop.h"
#include "t/unit/temp_dir.h"

using namespace tern;
using namespace tern::ipc;

namespace {

// A service on a real UNIX socket: answers each request with the number of
// its connection and how many requests that connection carried.
struct Service {
    event_base* base;
    ListenerPtr listener;
    int accepted = 0;
    std::map<int, std::unique_ptr<AttrChannel>> conns;

    Service(event_base* b, const std::string& path) : base(b) {
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        std::strcpy(sun.sun_path, path.c_str());
        listener.reset(evconnlistener_new_bind(base, on_accept, this, LEV_OPT_CLOSE_ON_FREE, 16,
                                               reinterpret_cast<sockaddr*>(&sun), sizeof sun));
    }
    static void on_accept(evconnlistener*, evutil_socket_t fd, sockaddr*, int, void* ctx) {
        auto* self = static_cast<Service*>(ctx);
        const int id = ++self->accepted;
        auto chan = std::make_unique<AttrChannel>(self->base, UniqueFd(fd));
        auto* raw = chan.get();
        auto served = std::make_shared<int>(0);
        chan->on_message([raw, id, served](AttrList&&) {
            raw->send(AttrList{{"conn", std::to_string(id)}, {"served", std::to_string(++*served)}});
        });
        self->conns.emplace(id, std::move(chan));
    }
    // Closes connection id, as a service that exits does.
    void hang_up(int id) { conns.erase(id); }
};

// One request through the pool; the answer, "" when the connection closed first.
std::string ask(ChannelPool& pool, bool* reused = nullptr) {
    auto lease = pool.take();
    REQUIRE(lease);
    if (reused) *reused = lease->reused;
    std::string answer;
    bool done = false;
    auto chan = std::move(lease->chan);
    auto* raw = chan.get();
    std::unique_ptr<AttrChannel> held = std::move(chan);
    raw->on_message([&](AttrList&& reply) {
        answer = reply.get_or("conn", "") + "/" + reply.get_or("served", "");
        pool.give_back(std::move(held));  // from inside the callback, as qmgr and the authd client do
        done = true;
    });
    raw->on_close([&](const std::string&) { done = true; });
    raw->send(AttrList{{"request", "x"}});
    test::run_until(pool.base(), done);
    return answer;
}

}  // namespace

TEST_CASE("a pooled connection serves one request after another", "[ipc]") {
    test::TempDir dir;
    EventBasePtr base(event_base_new());
    const std::string path = dir.path() + "/svc";
    Service svc(base.get(), path);
    ChannelPool pool(base.get(), path, 2);
    bool reused = true;
    CHECK(ask(pool, &reused) == "1/1");
    CHECK_FALSE(reused);
    CHECK(ask(pool, &reused) == "1/2");
    CHECK(reused);
    CHECK(ask(pool) == "1/3");
    CHECK(svc.accepted == 1);
    CHECK(pool.idle_count() == 1);

    SECTION("an idle connection the service closes is dropped, and the next request connects again") {
        svc.hang_up(1);
        bool gone = false;
        EventPtr tick(evtimer_new(base.get(), [](evutil_socket_t, short, void* g) { *static_cast<bool*>(g) = true; },
                                  &gone));
        const timeval brief{0, 50000};
        evtimer_add(tick.get(), &brief);
        test::run_until(base.get(), gone);
        CHECK(pool.idle_count() == 0);
        CHECK(ask(pool, &reused) == "2/1");
        CHECK_FALSE(reused);
    }
    SECTION("connections taken at once are distinct; at most max_idle stay") {
        auto a = pool.take(), b = pool.take(), c = pool.take();
        REQUIRE(a);
        REQUIRE(b);
        REQUIRE(c);
        CHECK(a->reused);
        CHECK_FALSE(b->reused);
        CHECK(a->chan.get() != b->chan.get());
        pool.give_back(std::move(a->chan));
        pool.give_back(std::move(b->chan));
        pool.give_back(std::move(c->chan));
        CHECK(pool.idle_count() == 2);
    }
    SECTION("fresh: a new connection even when one is idle") {
        auto f = pool.take(true);
        REQUIRE(f);
        CHECK_FALSE(f->reused);
        CHECK(pool.idle_count() == 1);
    }
}

TEST_CASE("a pool whose service is not there says so", "[ipc]") {
    test::TempDir dir;
    EventBasePtr base(event_base_new());
    ChannelPool pool(base.get(), dir.path() + "/nobody", 2);
    auto lease = pool.take();
    REQUIRE_FALSE(lease);
    CHECK(lease.error().message.find(dir.path() + "/nobody") != std::string::npos);
}
