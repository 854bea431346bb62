// The smtpd session test harness: a real event_base, a socketpair for the
// client, a temporary queue directory, and helpers to compare transcripts.
#pragma once

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "libmail/config/params_cleanup.h"
#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/queue/queue_file.h"
#include "smtpd/session.h"
#include "t/unit/temp_dir.h"

namespace tern::test {

namespace fs = std::filesystem;

// A temporary directory with an empty queue in it.
struct QueueDir : TempDir {
    QueueDir() {
        fs::create_directories(path() + "/queue/incoming");
        fs::create_directories(path() + "/queue/hold");
    }
    std::string queue() const { return path() + "/queue"; }
};

inline smtpd::Settings test_settings(const std::string& queue_dir) {
    smtpd::Settings s;
    s.myhostname = "mx.example.test";
    s.mail_name = "Tern";
    s.smtpd_banner = "mx.example.test ESMTP Tern";
    s.queue_directory = queue_dir;
    s.trigger_qmgr = false;
    s.account_checks = false;
    return s;
}

inline std::unique_ptr<smtpd::Policy> test_policy() {
    auto maps = maps::MapList::open(
        {"inline:{ alice@example.test=example.test/alice/, bob@example.test=example.test/bob/ }"});
    REQUIRE(maps);
    auto nets = smtp::CidrList::parse({"127.0.0.0/8"});
    REQUIRE(nets);
    return std::make_unique<smtpd::Policy>(std::vector<std::string>{"mx.example.test"},
                                           std::vector<std::string>{"example.test"}, std::vector<std::string>{},
                                           std::move(*maps), std::move(*nets));
}

struct Harness {
    QueueDir dir;
    EventBasePtr base{event_base_new()};
    std::unique_ptr<smtpd::Server> server;
    std::string log_path = dir.path() + "/maillog";

    // main_cf: restriction lists and DNS settings (dns_zone_file) in main.cf syntax.
    explicit Harness(const std::function<void(smtpd::Settings&)>& tweak = {}, const std::string& main_cf = "") {
        auto s = test_settings(dir.queue());
        if (tweak) tweak(s);
        auto cfg = config::Config::from_text(main_cf, "main.cf", dir.path());
        REQUIRE(cfg);
        auto restrictions = smtpd::Restrictions::load(*cfg);
        if (!restrictions) FAIL(restrictions.error().message);
        std::unique_ptr<dns::Resolver> resolver;
        if ((*restrictions)->uses_dns() || s.peername_lookup) {
            auto r = dns::Resolver::create(base.get(), dns::Options::from_config(*cfg));
            if (!r) FAIL(r.error().message);
            resolver = std::move(*r);
        }
        server = std::make_unique<smtpd::Server>(base.get(), s, test_policy(), std::move(*restrictions),
                                                 std::move(resolver));
        if (const auto specs = cfg->get_list(config::kHeaderChecks); !specs.empty()) {
            auto m = maps::MapList::open(specs);
            if (!m) FAIL(m.error().message);
            server->set_header_checks(std::make_unique<maps::MapList>(std::move(*m)));
        }
        log::setup("tern/smtpd", log::Sink::File, log_path, "testhost");
    }

    // Sends input (pipelined, all at once), half-closes when asked, and returns
    // everything the server wrote until it closed the connection.
    std::string talk(const std::string& input, bool half_close = true, const std::string& ip = "192.0.2.7") {
        int sv[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        server->accept(UniqueFd(sv[0]), server::Peer{ip, 40000});
        UniqueFd client(sv[1]);
        ::fcntl(client.get(), F_SETFL, O_NONBLOCK);
        std::size_t sent = 0;
        bool shut = false;
        std::string out;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
            if (sent < input.size()) {
                const auto n = ::write(client.get(), input.data() + sent, input.size() - sent);
                if (n > 0) sent += static_cast<std::size_t>(n);
            } else if (half_close && !shut) {
                ::shutdown(client.get(), SHUT_WR);
                shut = true;
            }
            event_base_loop(base.get(), EVLOOP_NONBLOCK);
            char buf[65536];
            const auto n = ::read(client.get(), buf, sizeof buf);
            if (n > 0) out.append(buf, static_cast<std::size_t>(n));
            else if (n == 0) break;
            else ::usleep(1000);
        }
        event_base_loop(base.get(), EVLOOP_NONBLOCK);  // let the reaper run
        return out;
    }

    std::vector<std::string> queued() const {
        std::vector<std::string> files;
        for (const auto& e : fs::directory_iterator(dir.queue() + "/incoming"))
            if (e.path().filename().string()[0] != '.') files.push_back(e.path().string());
        return files;
    }
    std::vector<std::string> temp_files() const {
        std::vector<std::string> files;
        for (const auto& e : fs::directory_iterator(dir.queue() + "/incoming"))
            if (e.path().filename().string()[0] == '.') files.push_back(e.path().string());
        return files;
    }
    std::string maillog() const {
        auto t = read_file(log_path, 1 << 20);
        return t ? *t : std::string();
    }
};

inline std::string crlf(const std::string& lf_text) {
    std::string out;
    for (char c : lf_text) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

// Server output with CRLF -> LF and queue IDs replaced, for comparing with .ref files.
inline std::string normalised(const std::string& out) {
    std::string lf;
    for (std::size_t i = 0; i < out.size(); ++i)
        if (!(out[i] == '\r' && i + 1 < out.size() && out[i + 1] == '\n')) lf += out[i];
    return std::regex_replace(lf, std::regex("queued as [0-9A-Za-z]+"), "queued as QUEUEID");
}

inline std::string content_of(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY));
    auto qf = queue::read_queue_file(fd.get(), path);
    REQUIRE(qf);
    std::string content;
    auto r = queue::read_content(fd.get(), *qf, [&](std::string_view s) -> Result<void> {
        content.append(s);
        return {};
    });
    REQUIRE(r);
    return content;
}

inline std::string data_dir() {
    const char* src = std::getenv("TERN_SRCDIR");
    return std::string(src ? src : ".") + "/t/data/smtpd/";
}

}  // namespace tern::test
