// Fuzz target: smtpd's command parser and state machine as a client drives
// them — the input is everything a client sends on one connection (commands,
// pipelining, DATA, BDAT chunks, AUTH lines), fed to a real Session over a
// socketpair. Accepted messages are written to a scratch queue and removed.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "libmail/config/config.h"
#include "libmail/core/log.h"
#include "libmail/event/event_ptrs.h"
#include "smtpd/session.h"

namespace {

using namespace tern;

struct World {
    std::string dir;
    EventBasePtr base{event_base_new()};
    std::unique_ptr<smtpd::Server> server;

    World() {
        char tmpl[] = "/tmp/tern-fuzz-smtpd-XXXXXX";
        dir = ::mkdtemp(tmpl);
        std::filesystem::create_directories(dir + "/queue/incoming");
        log::setup("tern/smtpd", log::Sink::File, "/dev/null", "fuzz");
        smtpd::Settings s;
        s.myhostname = "mx.example.test";
        s.mail_name = "Tern";
        s.smtpd_banner = "mx.example.test ESMTP Tern";
        s.queue_directory = dir + "/queue";
        s.trigger_qmgr = false;
        s.account_checks = false;
        s.message_size_limit = 100000;
        s.smtpd_recipient_limit = 20;
        s.sasl_auth_enable = true;    // AUTH lines reach the SASL decoder (authd is absent: 454)
        s.tls_auth_only = false;
        auto maps = maps::MapList::open({"inline:{ alice@example.test=example.test/alice/ }"});
        auto nets = smtp::CidrList::parse({"127.0.0.0/8"});
        auto policy = std::make_unique<smtpd::Policy>(std::vector<std::string>{"mx.example.test"},
                                                      std::vector<std::string>{"example.test"},
                                                      std::vector<std::string>{}, std::move(*maps), std::move(*nets));
        auto cfg = config::Config::from_text(
            "smtpd_helo_restrictions = reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname\n"
            "smtpd_sender_restrictions = reject_non_fqdn_sender, check_sender_access inline:{ bad@x.test=REJECT }\n",
            "main.cf", dir);
        auto restrictions = smtpd::Restrictions::load(*cfg);
        if (!cfg || !restrictions) std::abort();
        server = std::make_unique<smtpd::Server>(base.get(), s, std::move(policy), std::move(*restrictions));
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World w;
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 0;
    w.server->accept(UniqueFd(sv[0]), server::Peer{"192.0.2.7", 40000});
    UniqueFd client(sv[1]);
    ::fcntl(client.get(), F_SETFL, O_NONBLOCK);
    std::size_t sent = 0;
    bool shut = false;
    for (int turn = 0; turn < 5000; ++turn) {
        if (sent < size) {
            const auto n = ::write(client.get(), data + sent, size - sent);
            if (n > 0) sent += static_cast<std::size_t>(n);
        } else if (!shut) {
            ::shutdown(client.get(), SHUT_WR);
            shut = true;
        }
        event_base_loop(w.base.get(), EVLOOP_NONBLOCK);
        char buf[65536];
        const auto n = ::read(client.get(), buf, sizeof buf);
        if (n == 0) break;  // the server closed the connection
    }
    client.reset();
    // A message's commit runs on smtpd's commit pool: its session ends once
    // the commit is back. One that does not end within 10 s would be a hang
    // in production.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    do {
        event_base_loop(w.base.get(), EVLOOP_NONBLOCK);
        if (w.server->session_count() == 0) break;
        ::usleep(1000);
    } while (std::chrono::steady_clock::now() < deadline);
    if (w.server->session_count() != 0) __builtin_trap();
    for (const auto& e : std::filesystem::directory_iterator(w.dir + "/queue/incoming"))
        std::filesystem::remove(e.path());
    return 0;
}
