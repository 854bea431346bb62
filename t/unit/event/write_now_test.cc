#include "libmail/event/write_now.h"

#include <catch2/catch.hpp>
#include <event2/buffer.h>
#include <event2/event.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "libmail/event/event_ptrs.h"

namespace {

struct SocketPair {
    int ours = -1, peer = -1;
    SocketPair() {
        int fds[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0);
        ours = fds[0];
        peer = fds[1];
    }
    ~SocketPair() {
        if (peer >= 0) close(peer);
    }
    std::string read_peer() {
        std::string got;
        char buf[65536];
        for (ssize_t n; (n = read(peer, buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
        return got;
    }
};

}  // namespace

TEST_CASE("write_now puts a reply on the socket without running the loop", "[event]") {
    tern::EventBasePtr base(event_base_new());
    SocketPair sp;
    bufferevent* bev = bufferevent_socket_new(base.get(), sp.ours, BEV_OPT_CLOSE_ON_FREE);
    REQUIRE(bev);
    bufferevent_write(bev, "250 2.0.0 Ok\r\n", 14);
    CHECK(tern::write_now(bev));
    CHECK(sp.read_peer() == "250 2.0.0 Ok\r\n");
    CHECK(evbuffer_get_length(bufferevent_get_output(bev)) == 0);
    bufferevent_free(bev);
}

TEST_CASE("write_now leaves what a full socket does not take, in order", "[event]") {
    tern::EventBasePtr base(event_base_new());
    SocketPair sp;
    int small = 4096;
    setsockopt(sp.ours, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    bufferevent* bev = bufferevent_socket_new(base.get(), sp.ours, BEV_OPT_CLOSE_ON_FREE);
    REQUIRE(bev);
    std::string big;
    for (int i = 0; big.size() < 4u << 20; ++i) big += "line " + std::to_string(i) + "\r\n";
    bufferevent_write(bev, big.data(), big.size());
    CHECK_FALSE(tern::write_now(bev));
    const std::size_t left = evbuffer_get_length(bufferevent_get_output(bev));
    CHECK(left > 0);
    CHECK(left < big.size());
    // The rest leaves through the write event, after what write_now wrote.
    std::string got = sp.read_peer();
    bufferevent_enable(bev, EV_WRITE);
    while (got.size() < big.size()) {
        event_base_loop(base.get(), EVLOOP_ONCE | EVLOOP_NONBLOCK);
        got += sp.read_peer();
    }
    CHECK(got == big);
    bufferevent_free(bev);
}

TEST_CASE("write_now with nothing to write says so and writes nothing", "[event]") {
    tern::EventBasePtr base(event_base_new());
    SocketPair sp;
    bufferevent* bev = bufferevent_socket_new(base.get(), sp.ours, BEV_OPT_CLOSE_ON_FREE);
    REQUIRE(bev);
    CHECK(tern::write_now(bev));
    CHECK(sp.read_peer().empty());
    bufferevent_free(bev);
}
