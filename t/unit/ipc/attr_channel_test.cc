#include <catch2/catch.hpp>

#include <event2/event.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "libmail/ipc/attr_channel.h"
#include "libmail/ipc/attr_codec.h"

using namespace tern;
using namespace tern::ipc;

namespace {

struct Base {
    event_base* base = event_base_new();
    ~Base() { event_base_free(base); }
};

// Breaks the loop after a second so that a broken channel fails the test instead of hanging.
void run_loop_briefly(event_base* base, int ms = 1000) {
    const timeval limit{ms / 1000, (ms % 1000) * 1000};
    event_base_loopexit(base, &limit);
    event_base_dispatch(base);
}

std::string be32(std::uint32_t n) {
    return {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)};
}

}  // namespace

TEST_CASE("a name longer than kMaxAttrNameBytes is malformed, a value over the limit too large", "[ipc]") {
    AttrList out;
    std::size_t used = 0;
    const std::string long_name = be32(kMaxAttrNameBytes + 1) + std::string(kMaxAttrNameBytes + 1, 'n');
    CHECK(decode(long_name, 1 << 20, out, used) == DecodeStatus::Malformed);
    const std::string big_value = be32(1) + "k" + be32(2000) + std::string(2000, 'v') + be32(0);
    CHECK(decode(big_value, 1000, out, used) == DecodeStatus::TooLarge);
    CHECK(decode(big_value, 1 << 20, out, used) == DecodeStatus::Ok);
    CHECK(out.get_or("k", "").size() == 2000);
}

TEST_CASE("an empty attribute list is one terminator record", "[ipc]") {
    const std::string wire = encode(AttrList{});
    CHECK(wire == std::string(4, '\0'));
    AttrList out{{"old", "x"}};
    std::size_t used = 0;
    REQUIRE(decode(wire, 1 << 20, out, used) == DecodeStatus::Ok);
    CHECK(out.empty());
    CHECK(used == 4);
}

TEST_CASE("AttrChannel answers a request and closes once when the peer hangs up", "[ipc]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    Base b;
    AttrChannel client(b.base, UniqueFd(sv[0]));
    auto server = std::make_unique<AttrChannel>(b.base, UniqueFd(sv[1]));
    CHECK(server->peer().rfind("pid ", 0) == 0);
    std::string reply_got;
    int client_closes = 0;
    std::string client_why;
    server->on_message([&](AttrList&& m) {
        server->send(AttrList{{"status", "ok"}, {"echo", m.get_or("q", "")}, {"bin", std::string("\0\1", 2)}});
        server->close_when_flushed();
    });
    int server_closes = 0;
    server->on_close([&](const std::string&) { ++server_closes; });
    client.on_message([&](AttrList&& m) { reply_got = m.get_or("echo", "?") + "/" + m.get_or("bin", ""); });
    client.on_close([&](const std::string& why) {
        ++client_closes;
        client_why = why;
        event_base_loopbreak(b.base);
    });
    client.send(AttrList{{"q", "hello"}});
    run_loop_briefly(b.base);
    CHECK(reply_got == std::string("hello/\0\1", 8));
    CHECK(server_closes == 1);
    CHECK(client_closes == 1);
    CHECK(client_why == "connection closed by peer");
    CHECK_FALSE(client.is_open());
    client.send(AttrList{{"late", "x"}});  // harmless after close
    run_loop_briefly(b.base, 100);
    CHECK(client_closes == 1);
}

TEST_CASE("a malformed message closes the channel exactly once", "[ipc]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    Base b;
    AttrChannel chan(b.base, UniqueFd(sv[1]));
    int messages = 0, closes = 0;
    std::string why;
    chan.on_message([&](AttrList&&) { ++messages; });
    chan.on_close([&](const std::string& w) {
        ++closes;
        why = w;
        event_base_loopbreak(b.base);
    });
    // One good message, then a name length far over kMaxAttrNameBytes.
    const std::string bytes = encode(AttrList{{"a", "1"}}) + std::string("\x7f\xff\xff\xff garbage", 12);
    REQUIRE(::write(sv[0], bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    run_loop_briefly(b.base);
    CHECK(messages == 1);
    CHECK(closes == 1);
    CHECK(why == "malformed message");
    CHECK_FALSE(chan.is_open());
    ::close(sv[0]);
    run_loop_briefly(b.base, 100);
    CHECK(closes == 1);
}

TEST_CASE("a message over the channel's size limit closes it", "[ipc]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    Base b;
    AttrChannel chan(b.base, UniqueFd(sv[1]), 64);
    int messages = 0, closes = 0;
    chan.on_message([&](AttrList&&) { ++messages; });
    chan.on_close([&](const std::string&) {
        ++closes;
        event_base_loopbreak(b.base);
    });
    const std::string bytes = encode(AttrList{{"k", std::string(100, 'v')}});
    REQUIRE(::write(sv[0], bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    run_loop_briefly(b.base);
    CHECK(messages == 0);
    CHECK(closes == 1);
    ::close(sv[0]);
}

TEST_CASE("send_trigger to a missing socket only logs", "[ipc]") {
    send_trigger("/nonexistent-tern-queue", "qmgr", kTriggerIncoming);
    CHECK(service_path("/q", true, "auth") == "/q/private/auth");
    CHECK(service_path("/q", false, "qmgr") == "/q/public/qmgr");
    CHECK_FALSE(connect_unix("/nonexistent-tern-queue/private/auth"));
    CHECK_FALSE(connect_unix(std::string(200, 'x')));
}

TEST_CASE("every truncation of a message with empty and binary values needs more", "[ipc]") {
    AttrList a{{"empty", ""}, {"k", "v"}};
    a.add("bin", std::string("\0\0\0\0\xff", 5));
    const std::string wire = encode(a);
    for (std::size_t n = 0; n < wire.size(); ++n) {
        AttrList out;
        std::size_t used = 0;
        INFO("prefix " << n);
        CHECK(decode(std::string_view(wire).substr(0, n), wire.size(), out, used) == DecodeStatus::NeedMore);
    }
    AttrList out;
    std::size_t used = 0;
    REQUIRE(decode(wire, wire.size(), out, used) == DecodeStatus::Ok);
    CHECK(out.items() == a.items());
}

TEST_CASE("AttrChannel::send puts the message on the socket at once; what does not fit follows", "[ipc]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    Base b;
    auto chan = std::make_unique<AttrChannel>(b.base, UniqueFd(sv[1]), 8u << 20);
    const std::string small = encode(AttrList{{"request", "deliver"}});
    chan->send(AttrList{{"request", "deliver"}});
    CHECK(chan->flushed());
    std::string got(small.size(), '\0');
    CHECK(::recv(sv[0], got.data(), got.size(), MSG_DONTWAIT) == static_cast<ssize_t>(small.size()));
    CHECK(got == small);

    // A message larger than the socket takes: the write event sends the rest, then the channel closes as asked.
    const std::string value(4u << 20, 'v');
    chan->send(AttrList{{"big", value}});
    CHECK_FALSE(chan->flushed());
    int closes = 0;
    chan->on_close([&](const std::string&) { ++closes; });
    chan->close_when_flushed();
    AttrChannel reader(b.base, UniqueFd(sv[0]), 8u << 20);
    std::string big_got;
    reader.on_message([&](AttrList&& m) {
        big_got = m.get_or("big", "");
        event_base_loopbreak(b.base);
    });
    run_loop_briefly(b.base, 5000);
    CHECK(big_got == value);
    run_loop_briefly(b.base, 100);
    CHECK(closes == 1);
}
