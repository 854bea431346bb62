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
#include <fstream>
#include <memory>
#include <string>

#include "imapd/session.h"
#include "libmail/core/log.h"
#include "libmail/event/event_ptrs.h"

namespace {

using namespace tern;

// authd's answer on the next loop turn: every password is right.
class AcceptAll : public auth::PasswordCheck {
public:
    AcceptAll(event_base* base, std::string user, Done done) : user_(std::move(user)), done_(std::move(done)) {
        ev_.reset(evtimer_new(base, fire, this));
        const timeval now{0, 0};
        evtimer_add(ev_.get(), &now);
    }

private:
    static void fire(evutil_socket_t, short, void* arg) noexcept {
        auto* self = static_cast<AcceptAll*>(arg);
        auth::Verdict v;
        v.kind = auth::Verdict::Kind::Ok;
        v.user = self->user_;
        v.quota = {1 << 20, 50};
        self->done_(v);
    }
    std::string user_;
    Done done_;
    EventPtr ev_;
};

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
            return std::unique_ptr<auth::PasswordCheck>(new AcceptAll(base.get(), req.user, std::move(done)));
        };
        services.maildir_root = [this](const std::string&) -> Result<std::string> { return dir + "/mail"; };
        reset();
    }

    void reset() {
        std::filesystem::remove_all(dir + "/mail");
        for (const char* d : {"/mail/cur", "/mail/new", "/mail/tmp", "/mail/.Work/cur", "/mail/.Work/new",
                              "/mail/.Work/tmp"})
            std::filesystem::create_directories(dir + d);
        for (int i = 0; i < 4; ++i) {
            const std::string name = "100000000" + std::to_string(i) + ".M1P1.fuzz";
            std::ofstream(dir + "/mail/new/" + name)
                << "From: Fuzz <f@x.test>\nTo: a@example.test\nSubject: m" << i
                << "\nMessage-ID: <m" << i << "@x.test>\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
                << "Content-Type: text/plain; charset=utf-8\n\nbody " << i << "\n--b--\n";
        }
    }
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
    UniqueFd client(sv[1]);
    ::fcntl(client.get(), F_SETFL, O_NONBLOCK);
    const std::string login = "a LOGIN fuzz@example.test pw\r\n";
    std::string input = login + std::string(reinterpret_cast<const char*>(data), size);
    std::size_t sent = 0;
    bool shut = false;
    for (int turn = 0; turn < 5000 && !done; ++turn) {
        if (sent < input.size()) {
            const auto n = ::write(client.get(), input.data() + sent, input.size() - sent);
            if (n > 0) sent += static_cast<std::size_t>(n);
        } else if (!shut) {
            ::shutdown(client.get(), SHUT_WR);
            shut = true;
        }
        event_base_loop(w.base.get(), EVLOOP_NONBLOCK);
        char buf[65536];
        while (::read(client.get(), buf, sizeof buf) > 0) {
        }
    }
    client.reset();
    for (int i = 0; i < 3 && !done; ++i) event_base_loop(w.base.get(), EVLOOP_NONBLOCK);
    session.reset();
    return 0;
}
