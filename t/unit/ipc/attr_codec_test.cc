#include <catch2/catch.hpp>

#include <event2/event.h>
#include <sys/socket.h>

#include "libmail/ipc/attr_channel.h"
#include "libmail/ipc/attr_codec.h"

using namespace tern;
using namespace tern::ipc;

TEST_CASE("attribute lists round-trip, with repeats, empty and binary values", "[ipc]") {
    AttrList a{{"request", "deliver"}, {"rcpt", "a@x"}, {"rcpt", "b@x"}, {"empty", ""}};
    a.add("bin", std::string("\0\xff\n", 3));
    const std::string wire = encode(a);
    AttrList b;
    std::size_t used = 0;
    REQUIRE(decode(wire + "trailing", 1 << 20, b, used) == DecodeStatus::Ok);
    CHECK(used == wire.size());
    CHECK(b.items() == a.items());
    CHECK(b.get_all("rcpt") == std::vector<std::string_view>{"a@x", "b@x"});
    CHECK(b.get_or("missing", "dflt") == "dflt");
}

TEST_CASE("every prefix of a message needs more; oversize and garbage are refused", "[ipc]") {
    const std::string wire = encode(AttrList{{"k", "value"}, {"k2", "v2"}});
    for (std::size_t n = 0; n < wire.size(); ++n) {
        AttrList out;
        std::size_t used = 0;
        INFO("prefix " << n);
        CHECK(decode(std::string_view(wire).substr(0, n), 1 << 20, out, used) == DecodeStatus::NeedMore);
    }
    AttrList out;
    std::size_t used = 0;
    CHECK(decode(wire, 10, out, used) == DecodeStatus::TooLarge);
    CHECK(decode(std::string("\x7f\xff\xff\xff", 4), 1 << 20, out, used) == DecodeStatus::Malformed);
}

TEST_CASE("AttrChannel carries messages between two processes' ends", "[ipc]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    event_base* base = event_base_new();
    {
        AttrChannel a(base, UniqueFd(sv[0]));
        AttrChannel b(base, UniqueFd(sv[1]));
        std::vector<std::string> got;
        std::string closed;
        b.on_message([&](AttrList&& m) {
            got.push_back(m.get_or("n", "?"));
            if (got.size() == 2) event_base_loopbreak(base);
        });
        b.on_close([&](const std::string& why) { closed = why; });
        a.send(AttrList{{"n", "1"}});
        a.send(AttrList{{"n", "2"}});
        event_base_dispatch(base);
        CHECK(got == std::vector<std::string>{"1", "2"});
    }
    event_base_free(base);
}
