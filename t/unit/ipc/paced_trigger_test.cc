#include "libmail/ipc/paced_trigger.h"

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "t/unit/run_loop.h"
#include "t/unit/temp_dir.h"

using namespace tern;
using namespace std::chrono_literals;

namespace {

// qmgr's public socket in a scratch queue: what the triggers wrote to it.
struct FakeQmgr {
    UniqueFd listener, conn;
    explicit FakeQmgr(const std::string& queue_dir) {
        REQUIRE(::mkdir((queue_dir + "/public").c_str(), 0700) == 0);
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        const std::string path = queue_dir + "/public/qmgr";
        std::strcpy(sun.sun_path, path.c_str());
        listener.reset(::socket(AF_UNIX, SOCK_STREAM, 0));
        REQUIRE(::bind(listener.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun) == 0);
        REQUIRE(::listen(listener.get(), 4) == 0);
    }
    // The bytes written so far (the trigger's connection is accepted on first use).
    std::string received() {
        if (!conn) conn.reset(::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK));
        std::string out;
        char buf[64];
        ssize_t n;
        while (conn && (n = ::recv(conn.get(), buf, sizeof buf, MSG_DONTWAIT)) > 0) out.append(buf, n);
        return out;
    }
};

// A scratch queue with its fake qmgr, and an event loop for the triggers.
struct Scene {
    test::TempDir dir;
    FakeQmgr qmgr{dir.path()};
    EventBasePtr base{event_base_new()};
    std::unique_ptr<ipc::PacedTrigger> trigger(std::chrono::microseconds window) {
        return std::make_unique<ipc::PacedTrigger>(base.get(), dir.path(), "qmgr", ipc::kTriggerIncoming, window);
    }
};

}  // namespace

TEST_CASE("a paced trigger sends the first at once and one for the rest of its window", "[ipc]") {
    Scene s;
    auto& qmgr = s.qmgr;
    auto owned = s.trigger(200ms);
    auto& trigger = *owned;

    trigger.fire();
    CHECK(qmgr.received() == "A");  // quiet before: at once
    for (int i = 0; i < 5; ++i) trigger.fire();
    CHECK(qmgr.received().empty());  // within the window: held
    CHECK(trigger.sent() == 1);

    bool done = false;
    EventPtr after(evtimer_new(s.base.get(), [](evutil_socket_t, short, void* d) { *static_cast<bool*>(d) = true; },
                               &done));
    const timeval quarter{0, 250000};
    evtimer_add(after.get(), &quarter);
    test::run_until(s.base.get(), done);
    CHECK(qmgr.received() == "A");  // the five became one, at the window's end
    CHECK(trigger.sent() == 2);
}

TEST_CASE("a paced trigger after a quiet spell goes at once", "[ipc]") {
    Scene s;
    auto trigger = s.trigger(20ms);
    trigger->fire();
    std::this_thread::sleep_for(40ms);
    trigger->fire();
    CHECK(s.qmgr.received() == "AA");
    CHECK(trigger->sent() == 2);
}

TEST_CASE("a trigger still due when its owner goes is sent then", "[ipc]") {
    Scene s;
    auto trigger = s.trigger(10s);
    trigger->fire();
    trigger->fire();
    trigger.reset();
    CHECK(s.qmgr.received() == "AA");
}
