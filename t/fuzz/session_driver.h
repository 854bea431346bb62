// Shared by the fuzz targets that drive a mailbox server's Session (imapd,
// pop3d) as a client would: an authd stand-in that accepts every password,
// a scratch Maildir with a few messages, and the loop that feeds the input
// over a socketpair and reads whatever comes back.
#pragma once

#include <event2/event.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "libmail/auth/auth_client.h"
#include "libmail/core/unique_fd.h"
#include "libmail/event/event_ptrs.h"
#include "t/unit/fake_password_check.h"

namespace tern::fuzz {

// authd's answer on the next loop turn: every password is right.
inline std::unique_ptr<auth::PasswordCheck> accept_all(event_base* base, const std::string& user,
                                                       auth::PasswordCheck::Done done) {
    auth::Verdict v;
    v.kind = auth::Verdict::Kind::Ok;
    v.user = user;
    v.quota = {1 << 20, 50};
    return std::make_unique<test::FakePasswordCheck>(base, v, std::move(done));
}

// A Maildir at root (made afresh) with INBOX, a "Work" folder and four
// small multipart messages in new/.
inline void make_scratch_maildir(const std::string& root) {
    std::filesystem::remove_all(root);
    for (const char* d : {"/cur", "/new", "/tmp", "/.Work/cur", "/.Work/new", "/.Work/tmp"})
        std::filesystem::create_directories(root + d);
    for (int i = 0; i < 4; ++i) {
        const std::string name = "100000000" + std::to_string(i) + ".M1P1.fuzz";
        std::ofstream(root + "/new/" + name) << "From: Fuzz <f@x.test>\nTo: a@example.test\nSubject: m" << i
                                             << "\nMessage-ID: <m" << i
                                             << "@x.test>\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
                                             << "Content-Type: text/plain; charset=utf-8\n\nbody " << i
                                             << "\n--b--\n";
    }
}

// Writes input to the client end, runs the loop, drains replies, until the
// session is done or 5000 turns have passed; then hangs up.
inline void drive(event_base* base, int client_fd, std::string_view input, const bool& done) {
    UniqueFd client(client_fd);
    ::fcntl(client.get(), F_SETFL, O_NONBLOCK);
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
        event_base_loop(base, EVLOOP_NONBLOCK);
        char buf[65536];
        while (::read(client.get(), buf, sizeof buf) > 0) {
        }
    }
    client.reset();
    for (int i = 0; i < 3 && !done; ++i) event_base_loop(base, EVLOOP_NONBLOCK);
}

}  // namespace tern::fuzz
