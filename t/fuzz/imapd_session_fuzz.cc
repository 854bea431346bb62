// Fuzz target: imapd as a logged-in client drives it — the input is what a
// client sends after "a LOGIN", fed to a real Session over a socketpair, on
// a scratch Maildir with a few messages and folders: every command handler
// (SELECT with QRESYNC, LIST-EXTENDED, STORE and FETCH modifiers, APPEND
// with flags, date-time and literals, COPY/MOVE, COMPRESS, quota commands)
// and the store behind them. The Maildir starts over every 500 inputs so
// that what earlier inputs created does not pile up.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "imapd/session.h"
#include "libmail/core/log.h"
#include "libmail/event/event_ptrs.h"
#include "t/fuzz/session_driver.h"

namespace {

using namespace tern;

struct World {
    std::string dir;
    EventBasePtr base{event_base_new()};
    imapd::Settings settings;
    imapd::Services services;
    int runs = 0;

    World() {
        char tmpl[] = "/tmp/tern-fuzz-imapd-XXXXXX";
        dir = ::mkdtemp(tmpl);
        log::setup("tern/imapd", log::Sink::File, "/dev/null", "fuzz");
        settings.idle_poll = std::chrono::milliseconds(10);
        settings.append_limit = 100000;
        settings.max_message_bytes = 200000;
        services.check_password = [this](auth::PasswordRequest req, auth::PasswordCheck::Done done) {
            return fuzz::accept_all(base.get(), req.user, std::move(done));
        };
        services.maildir_root = [this](const std::string&) -> Result<std::string> { return dir + "/mail"; };
        reset();
    }

    void reset() { fuzz::make_scratch_maildir(dir + "/mail"); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World w;
    if (++w.runs % 500 == 0) w.reset();
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 0;
    evutil_make_socket_nonblocking(sv[0]);
    bool done = false;
    auto session = std::make_unique<imapd::Session>(w.base.get(), UniqueFd(sv[0]), "192.0.2.9", w.settings,
                                                    w.services, [&](imapd::Session*) { done = true; });
    session->start();
    const std::string input = "a LOGIN fuzz@example.test pw\r\n" + std::string(reinterpret_cast<const char*>(data), size);
    fuzz::drive(w.base.get(), sv[1], input, done);
    session.reset();
    return 0;
}
