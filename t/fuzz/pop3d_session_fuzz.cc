// Fuzz target: pop3d as a client drives it — the input is everything a
// client sends (USER/PASS or AUTH, then STAT, LIST, UIDL, RETR, TOP, DELE,
// RSET, QUIT, pipelined or not), fed to a real Session over a socketpair on
// a scratch Maildir, with the maildrop lock and the store behind it. The
// Maildir starts over every 500 inputs.
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>

#include "libmail/core/log.h"
#include "libmail/event/event_ptrs.h"
#include "pop3d/session.h"
#include "t/fuzz/session_driver.h"

namespace {

using namespace tern;

struct World {
    std::string dir;
    EventBasePtr base{event_base_new()};
    pop3d::Settings settings;
    pop3d::Services services;
    int runs = 0;

    World() {
        char tmpl[] = "/tmp/tern-fuzz-pop3d-XXXXXX";
        dir = ::mkdtemp(tmpl);
        log::setup("tern/pop3d", log::Sink::File, "/dev/null", "fuzz");
        settings.login_failure_delay = std::chrono::milliseconds(0);
        services.check_password = [this](auth::PasswordRequest req, auth::PasswordCheck::Done done) {
            return fuzz::accept_all(base.get(), req.user, std::move(done));
        };
        services.maildir_root = [this](const std::string&) -> Result<std::string> { return dir + "/mail"; };
        fuzz::make_scratch_maildir(dir + "/mail");
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World w;
    if (++w.runs % 500 == 0) fuzz::make_scratch_maildir(w.dir + "/mail");
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 0;
    evutil_make_socket_nonblocking(sv[0]);
    bool done = false;
    auto session = std::make_unique<pop3d::Session>(w.base.get(), UniqueFd(sv[0]), "192.0.2.9", w.settings,
                                                    w.services, [&](pop3d::Session*) { done = true; });
    session->start();
    fuzz::drive(w.base.get(), sv[1], std::string_view(reinterpret_cast<const char*>(data), size), done);
    session.reset();
    return 0;
}
