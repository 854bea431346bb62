#include "smtp/connection.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/event/line_reader.h"
#include "libmail/queue/queue_file.h"
#include "libmail/sasl/sasl.h"
#include "libmail/tls/server_context.h"

namespace tern::smtp_client {

namespace {

// Streaming DATA (stream_data): how much may wait in an output buffer.
constexpr std::size_t kDataHighWater = 256 * 1024;
constexpr std::size_t kDataLowWater = 64 * 1024;

std::string notify_words(std::uint8_t bits) {
    if (bits & queue::kNotifyNever) return "NEVER";
    std::string out;
    auto add = [&](std::uint8_t bit, const char* word) {
        if (!(bits & bit)) return;
        if (!out.empty()) out += ',';
        out += word;
    };
    add(queue::kNotifySuccess, "SUCCESS");
    add(queue::kNotifyFailure, "FAILURE");
    add(queue::kNotifyDelay, "DELAY");
    return out;
}

bool fill_sockaddr(const std::string& addr, int port, sockaddr_storage& ss, socklen_t& len) {
    std::memset(&ss, 0, sizeof ss);
    auto* in4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (::inet_pton(AF_INET, addr.c_str(), &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(static_cast<uint16_t>(port));
        len = sizeof(sockaddr_in);
        return true;
    }
    if (::inet_pton(AF_INET6, addr.c_str(), &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(static_cast<uint16_t>(port));
        len = sizeof(sockaddr_in6);
        return true;
    }
    return false;
}

// 5xx from a host we are leaving for the next one is not final for the message (Postfix
// smtp_skip_5xx_greeting): the class becomes 4.
std::string soften(std::string dsn) {
    if (!dsn.empty() && dsn[0] == '5') dsn[0] = '4';
    return dsn;
}

}  // namespace

std::vector<std::string> transaction_commands(const Transaction& tx, const Capabilities& caps) {
    std::vector<std::string> out;
    std::string mail = "MAIL FROM:<" + tx.sender + ">";
    if (caps.has_size) mail += " SIZE=" + std::to_string(tx.size);
    if (tx.body_8bitmime && caps.eightbitmime) mail += " BODY=8BITMIME";
    if (tx.smtputf8 && caps.smtputf8) mail += " SMTPUTF8";
    if (caps.dsn) {
        if (!tx.ret.empty()) mail += " RET=" + tx.ret;
        if (!tx.envid.empty()) mail += " ENVID=" + tx.envid;
    }
    out.push_back(std::move(mail));
    for (const auto& r : tx.rcpts) {
        std::string rcpt = "RCPT TO:<" + r.address + ">";
        if (caps.dsn) {
            if (r.notify) rcpt += " NOTIFY=" + notify_words(r.notify);
            if (!r.orcpt.empty()) rcpt += " ORCPT=" + r.orcpt;
        }
        out.push_back(std::move(rcpt));
    }
    return out;
}

Connection::Connection(event_base* base, const Settings& s, std::string host, std::string addr, int port,
                       Credentials creds)
    : base_(base), s_(s), host_(std::move(host)), addr_(std::move(addr)), port_(port), creds_(std::move(creds)) {}

Connection::~Connection() {
    if (bev_) bufferevent_free(bev_);
}

std::string Connection::relay() const { return peer() + ":" + std::to_string(port_); }

std::string Connection::said(const ServerReply& r, std::string_view in_reply_to) const {
    std::string out = "host " + peer() + " said: " + r.text();
    if (!in_reply_to.empty()) out += " (in reply to " + std::string(in_reply_to) + " command)";
    return out;
}

void Connection::read_cb(bufferevent*, void* ctx) noexcept { static_cast<Connection*>(ctx)->handle_input(); }
void Connection::write_cb(bufferevent*, void* ctx) noexcept { static_cast<Connection*>(ctx)->feed_data(); }
void Connection::event_cb(bufferevent*, short what, void* ctx) noexcept {
    static_cast<Connection*>(ctx)->handle_event(what);
}

void Connection::fail(const std::string& dsn, const std::string& reason) {
    if (failed_) return;
    failed_ = true;
    stage_ = Stage::Closed;
    expect_.clear();
    if (bev_) bufferevent_disable(bev_, EV_READ | EV_WRITE);
    auto fn = std::move(on_fail_);
    on_fail_ = nullptr;
    if (fn) fn(dsn, reason);
}

void Connection::write(std::string_view text) {
    if (bev_ && !failed_) bufferevent_write(bev_, text.data(), text.size());
}

void Connection::expect(std::chrono::seconds timeout, std::string phase, ReplyFn fn) {
    phase_ = std::move(phase);
    const timeval tv{static_cast<time_t>(timeout.count()), 0};
    bufferevent_set_timeouts(bev_, &tv, &tv);
    expect_.push_back(std::move(fn));
}

void Connection::open(ReadyFn ready) {
    ready_ = std::move(ready);
    on_fail_ = [this](const std::string& dsn, const std::string& reason) {
        auto r = std::move(ready_);
        if (r) r(false, soften(dsn), reason);
    };
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (!fill_sockaddr(addr_, port_, ss, len)) return fail("4.4.1", "bad address " + addr_);
    bev_ = bufferevent_socket_new(base_, -1, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (!bev_) return fail("4.4.1", "cannot create a socket");
    bufferevent_setcb(bev_, read_cb, nullptr, event_cb, this);
    const std::string& bind = ss.ss_family == AF_INET ? s_.bind_address : s_.bind_address6;
    if (!bind.empty()) {
        // The socket must exist before connect to bind it; make it ourselves.
        const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_storage local{};
        socklen_t llen = 0;
        if (fd < 0 || !fill_sockaddr(bind, 0, local, llen) ||
            ::bind(fd, reinterpret_cast<sockaddr*>(&local), llen) != 0) {
            const std::string why = std::strerror(errno);
            if (fd >= 0) ::close(fd);
            return fail("4.4.1", "cannot bind to smtp_bind_address " + bind + ": " + why);
        }
        bufferevent_setfd(bev_, fd);
    }
    stage_ = Stage::Connecting;
    phase_ = "connecting";
    const timeval tv{static_cast<time_t>(s_.connect_timeout.count()), 0};
    bufferevent_set_timeouts(bev_, &tv, &tv);
    if (bufferevent_socket_connect(bev_, reinterpret_cast<sockaddr*>(&ss), static_cast<int>(len)) != 0)
        return fail("4.4.1", "connect to " + relay() + ": " + std::strerror(errno));
}

void Connection::handle_event(short what) {
    if (failed_) return;
    if (what & BEV_EVENT_CONNECTED) {
        if (stage_ == Stage::Connecting) {
            stage_ = Stage::Open;
            bufferevent_enable(bev_, EV_READ | EV_WRITE);
            if (s_.wrappermode) return start_tls();
            expect(s_.helo_timeout, "receiving the initial server greeting", [this](const ServerReply& r) {
                if (r.code != 220)
                    return fail(r.dsn(), "host " + peer() + " refused to talk to me: " + r.text());
                send_ehlo();
            });
            return;
        }
        if (stage_ == Stage::TlsHandshake) return on_tls_ready();
        return;
    }
    if (stage_ == Stage::Connecting) {
        const int err = EVUTIL_SOCKET_ERROR();
        const char* why = (what & BEV_EVENT_TIMEOUT) ? "Connection timed out" : std::strerror(err ? err : ECONNREFUSED);
        return fail("4.4.1", "connect to " + relay() + ": " + why);
    }
    if (stage_ == Stage::TlsHandshake) {
        std::string why = tls::take_errors(bev_);
        // A server that closes or stalls in the middle of the handshake leaves OpenSSL
        // nothing to say: name what happened, so the reason is not a bare "failed".
        if (why.empty() && (what & BEV_EVENT_TIMEOUT)) why = "timed out";
        if (why.empty() && (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))) why = "lost connection";
        return fail("4.7.5", "TLS handshake with " + relay() + " failed" + (why.empty() ? "" : ": " + why));
    }
    // After the final ".", the server may have taken the message already (Postfix's wording).
    const std::string may_repeat = phase_ == "sending end of data" ? " -- message may be sent more than once" : "";
    if (what & BEV_EVENT_TIMEOUT)
        return fail("4.4.2", "conversation with " + peer() + " timed out while " + phase_ + may_repeat);
    return fail("4.4.2", "lost connection with " + peer() + " while " + phase_ + may_repeat);
}

void Connection::handle_input() {
    while (!failed_ && bev_ && stage_ == Stage::Open) {
        evbuffer* in = bufferevent_get_input(bev_);
        std::string line;
        const LineStatus st = take_line(in, kMaxReplyLineOctets, line);
        if (st == LineStatus::NeedMore) return;
        if (st == LineStatus::TooLong)
            return fail("4.4.2", "protocol error: reply line from " + peer() + " longer than " +
                                     std::to_string(kMaxReplyLineOctets) + " octets while " + phase_);
        const auto rs = reader_.add(line);
        if (rs == ReplyReader::Status::NeedMore) continue;
        if (rs == ReplyReader::Status::Error)
            return fail("4.4.2", "protocol error: " + reader_.error() + " from " + peer() + " while " + phase_);
        ServerReply r = reader_.take();
        if (expect_.empty())
            return fail("4.4.2", "protocol error: unexpected reply from " + peer() + ": " + r.text());
        ReplyFn fn = std::move(expect_.front());
        expect_.pop_front();
        fn(r);
    }
}

void Connection::send_ehlo() {
    write("EHLO " + s_.helo_name + "\r\n");
    expect(s_.helo_timeout, "performing the EHLO handshake", [this](const ServerReply& r) {
        if (r.code == 250) {
            caps_ = parse_ehlo(r);
            return after_ehlo();
        }
        if (r.code >= 500 && !tls_active_) {
            // RFC 5321 3.2: a server that does not know EHLO gets HELO.
            write("HELO " + s_.helo_name + "\r\n");
            expect(s_.helo_timeout, "performing the HELO handshake", [this](const ServerReply& h) {
                if (h.code != 250) return fail(h.dsn(), said(h, "HELO"));
                caps_ = Capabilities{};
                after_ehlo();
            });
            return;
        }
        fail(r.dsn(), said(r, "EHLO"));
    });
}

void Connection::after_ehlo() {
    if (!tls_active_ && s_.tls_level != TlsLevel::None && s_.tls && !tls_tried_) {
        if (caps_.starttls) {
            tls_tried_ = true;
            write("STARTTLS\r\n");
            expect(s_.helo_timeout, "sending STARTTLS", [this](const ServerReply& r) {
                if (r.code == 220) return start_tls();
                if (tls_required())
                    return fail("4.7.4", "TLS is required, but host " + peer() + " refused to start TLS: " + r.text());
                log::info("%s refused STARTTLS (%s): continuing in clear text", peer().c_str(), r.text().c_str());
                authenticate();
            });
            return;
        }
        if (tls_required())
            return fail("4.7.4", "TLS is required, but was not offered by host " + peer());
    }
    if (tls_required() && !tls_active_)
        return fail("4.7.4", "TLS is required, but not available for host " + peer());
    authenticate();
}

void Connection::start_tls() {
    SSL* ssl = s_.tls ? s_.tls->new_ssl(host_, s_.tls_match) : nullptr;
    if (!ssl) return fail("4.7.5", "cannot start TLS with " + relay() + ": " + tls::take_errors());
    // Anything the server sent after its 220 is not to be trusted (RFC 3207 6).
    evbuffer* in = bufferevent_get_input(bev_);
    evbuffer_drain(in, evbuffer_get_length(in));
    // The TLS filter moves what it encrypts into the socket's bufferevent, which
    // takes any amount unless it has a write high-water mark: without one the whole
    // message would sit there (not streamed), and the final "." would count as sent
    // while most of the body had not left, so a server lost in the middle of the
    // body would read "while sending end of data".
    bufferevent_setwatermark(bev_, EV_WRITE, kDataLowWater, kDataHighWater);
    bufferevent* wrapped = bufferevent_openssl_filter_new(base_, bev_, ssl, BUFFEREVENT_SSL_CONNECTING,
                                                          BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (!wrapped) {
        SSL_free(ssl);
        return fail("4.7.5", "cannot start TLS with " + relay());
    }
    bev_ = wrapped;
    bufferevent_openssl_set_allow_dirty_shutdown(bev_, 1);
    bufferevent_setcb(bev_, read_cb, nullptr, event_cb, this);
    stage_ = Stage::TlsHandshake;
    phase_ = "performing the TLS handshake";
    const timeval tv{static_cast<time_t>(s_.helo_timeout.count()), 0};
    bufferevent_set_timeouts(bev_, &tv, &tv);
    bufferevent_enable(bev_, EV_READ | EV_WRITE);
}

void Connection::on_tls_ready() {
    stage_ = Stage::Open;
    tls_active_ = true;
    SSL* ssl = bufferevent_openssl_get_ssl(bev_);
    const bool must_verify = s_.tls_level >= TlsLevel::Verify;
    // The verify and secure levels authenticate the server: a chain to a trusted CA and a matching name.
    if (must_verify && !tls::verified(ssl)) {
        log::info("Untrusted TLS connection established to %s: %s", relay().c_str(), tls::describe_session(ssl).c_str());
        return fail("4.7.5", "Server certificate not verified");
    }
    log::info("%s TLS connection established to %s: %s", must_verify ? "Verified" : tls::trust_word(ssl),
              relay().c_str(), tls::describe_session(ssl).c_str());
    if (s_.wrappermode) {
        expect(s_.helo_timeout, "receiving the initial server greeting", [this](const ServerReply& r) {
            if (r.code != 220) return fail(r.dsn(), "host " + peer() + " refused to talk to me: " + r.text());
            send_ehlo();
        });
        return handle_input();
    }
    // RFC 3207 4.2: forget what the server said before TLS and ask again.
    caps_ = Capabilities{};
    send_ehlo();
}

void Connection::authenticate() {
    auto done = [this] {
        auto r = std::move(ready_);
        on_fail_ = nullptr;
        if (r) r(true, "", "");
    };
    if (creds_.empty() || caps_.auth.empty()) return done();
    // Passwords never cross the network in clear (smtp_sasl_tls_security_options, simplified).
    if (!tls_active_)
        return fail("4.7.0", "SASL authentication with " + peer() + " refused: TLS is not active");
    bool plain = false, login = false;
    for (const auto& m : caps_.auth) {
        plain = plain || m == "PLAIN";
        login = login || m == "LOGIN";
    }
    auto check = [this, done](const ServerReply& r) {
        if (r.code == 235) return done();
        fail(r.dsn(), "SASL authentication failed; server " + peer() + " said: " + r.text());
    };
    if (plain) {
        std::string msg;
        msg += '\0';
        msg += creds_.user;
        msg += '\0';
        msg += creds_.password;
        write("AUTH PLAIN " + sasl::encode_base64(msg) + "\r\n");
        expect(s_.helo_timeout, "authenticating", check);
        return;
    }
    if (!login) return fail("4.7.0", "SASL authentication with " + peer() + ": no mechanism in common (PLAIN, LOGIN)");
    write("AUTH LOGIN\r\n");
    expect(s_.helo_timeout, "authenticating", [this, check](const ServerReply& r) {
        if (r.code != 334) return check(r);
        write(sasl::encode_base64(creds_.user) + "\r\n");
        expect(s_.helo_timeout, "authenticating", [this, check](const ServerReply& r2) {
            if (r2.code != 334) return check(r2);
            write(sasl::encode_base64(creds_.password) + "\r\n");
            expect(s_.helo_timeout, "authenticating", check);
        });
    });
}

void Connection::reset(ReadyFn ready) {
    ready_ = std::move(ready);
    on_fail_ = [this](const std::string& dsn, const std::string& reason) {
        auto r = std::move(ready_);
        if (r) r(false, soften(dsn), reason);
    };
    if (failed_ || !bev_) return fail("4.4.2", "connection to " + peer() + " is closed");
    bufferevent_enable(bev_, EV_READ | EV_WRITE);
    write("RSET\r\n");
    expect(s_.mail_timeout, "sending RSET", [this](const ServerReply& r) {
        if (r.code != 250) return fail(r.dsn(), said(r, "RSET"));
        auto fn = std::move(ready_);
        on_fail_ = nullptr;
        if (fn) fn(true, "", "");
    });
    handle_input();
}

void Connection::idle(std::function<void()> broken) {
    phase_ = "idle";
    bufferevent_set_timeouts(bev_, nullptr, nullptr);
    on_fail_ = [broken = std::move(broken)](const std::string&, const std::string&) { broken(); };
    // A reply nobody waits for (a 421 on timeout) breaks the idle session too.
    bufferevent_enable(bev_, EV_READ);
}

void Connection::abandon() {
    failed_ = true;
    stage_ = Stage::Closed;
    on_fail_ = nullptr;
    ready_ = nullptr;
    expect_.clear();
    if (bev_) {
        bufferevent_disable(bev_, EV_READ | EV_WRITE);
        bufferevent_setcb(bev_, nullptr, nullptr, nullptr, nullptr);
    }
}

void Connection::quit(std::function<void()> closed) {
    auto once = std::make_shared<std::function<void()>>(std::move(closed));
    auto call = [once] {
        auto fn = std::move(*once);
        *once = nullptr;
        if (fn) fn();
    };
    if (failed_ || !bev_) return call();
    on_fail_ = [call](const std::string&, const std::string&) { call(); };
    write("QUIT\r\n");
    expect(std::chrono::seconds(10), "sending QUIT", [this, call](const ServerReply&) {
        failed_ = true;
        stage_ = Stage::Closed;
        on_fail_ = nullptr;
        call();
    });
}

// The message goes out as the server takes it: at most kDataHighWater bytes
// wait in the output buffer (and as much again below the TLS filter, see
// start_tls), refilled when it drains below kDataLowWater.
// A server that stops reading times out after smtp_data_done_timeout.
void Connection::stream_data(std::shared_ptr<DataSource> source, ReplyFn done) {
    data_ = std::move(source);
    data_done_ = std::move(done);
    phase_ = "sending message body";
    const timeval tv{static_cast<time_t>(s_.data_done_timeout.count()), 0};
    bufferevent_set_timeouts(bev_, &tv, &tv);
    bufferevent_setwatermark(bev_, EV_WRITE, kDataLowWater, 0);
    bufferevent_setcb(bev_, read_cb, write_cb, event_cb, this);
    feed_data();
}

void Connection::feed_data() {
    if (!data_ || failed_ || !bev_) return;
    evbuffer* out = bufferevent_get_output(bev_);
    std::string piece;
    while (data_ && evbuffer_get_length(out) < kDataHighWater) {
        piece.clear();
        auto end = data_->next(piece);
        if (!end) return fail("4.3.0", "cannot send the message: " + end.error().message);
        write(piece);
        if (!*end) continue;
        data_.reset();
        bufferevent_setcb(bev_, read_cb, nullptr, event_cb, this);
        bufferevent_setwatermark(bev_, EV_WRITE, 0, 0);
        expect(s_.data_done_timeout, "sending end of data", std::move(data_done_));
        data_done_ = nullptr;
    }
}

void Connection::send(const Transaction& tx, SentFn sent) {
    struct State {
        std::vector<Outcome> out;
        std::vector<bool> accepted;
        std::size_t n_accepted = 0;
        bool mail_failed = false;
        SentFn sent;
        std::vector<std::string> cmds;
        std::shared_ptr<DataSource> data;
        std::size_t next_cmd = 0;  // without PIPELINING: the next command to send
    };
    auto st = std::make_shared<State>();
    st->out.resize(tx.rcpts.size());
    st->accepted.assign(tx.rcpts.size(), false);
    st->sent = std::move(sent);
    st->cmds = transaction_commands(tx, caps_);
    st->cmds.push_back("DATA");
    st->data = tx.data;

    auto finish = [this, st](bool reusable) {
        auto fn = std::move(st->sent);
        st->sent = nullptr;
        on_fail_ = nullptr;
        expect_.clear();  // replies still owed (without PIPELINING) are not waited for
        if (fn) fn(std::move(st->out), reusable);
    };
    on_fail_ = [this, st, finish](const std::string& dsn, const std::string& reason) {
        for (auto& o : st->out)
            if (o.status.empty()) o = {"deferred", dsn.empty() ? "4.4.2" : soften(dsn), reason};
        finish(false);
    };
    auto classify = [this](const ServerReply& r, std::string_view cmd) {
        return Outcome{r.code >= 500 ? "bounced" : "deferred", r.dsn(), said(r, cmd), r.text()};
    };
    const bool pipelining = caps_.pipelining;
    // Sends command i (without PIPELINING, only after the previous reply).
    auto send_next = [this, st]() {
        if (st->next_cmd < st->cmds.size()) write(st->cmds[st->next_cmd++] + "\r\n");
    };

    auto on_data_done = [this, st, finish, classify](const ServerReply& r) {
        for (std::size_t i = 0; i < st->out.size(); ++i) {
            if (!st->accepted[i]) continue;
            if (r.positive()) st->out[i] = {"sent", r.dsn(), r.text(), r.text()};
            else st->out[i] = classify(r, "end of DATA");
        }
        finish(true);
    };
    auto on_data = [this, st, finish, classify, on_data_done](const ServerReply& r) {
        if (st->mail_failed || st->n_accepted == 0) {
            if (r.code == 354) {
                // RFC 2920 3.1: DATA went through although no recipient did; end it empty.
                write(".\r\n");
                expect(s_.data_done_timeout, "sending end of data", [finish](const ServerReply&) { finish(true); });
                return;
            }
            return finish(true);
        }
        if (r.code != 354) {
            for (std::size_t i = 0; i < st->out.size(); ++i)
                if (st->accepted[i]) st->out[i] = classify(r, "DATA");
            return finish(true);
        }
        stream_data(std::move(st->data), on_data_done);
    };
    auto on_mail = [this, st, finish, classify, pipelining](const ServerReply& r) {
        if (r.positive()) return;
        st->mail_failed = true;
        for (auto& o : st->out) o = classify(r, "MAIL FROM");
        if (!pipelining) finish(true);
    };

    // Reply handlers in command order: MAIL, each RCPT, DATA.
    std::vector<ReplyFn> handlers;
    handlers.push_back([this, st, on_mail, pipelining, send_next](const ServerReply& r) {
        phase_ = "sending RCPT TO";
        on_mail(r);
        if (!pipelining && !st->mail_failed) send_next();
    });
    for (std::size_t i = 0; i < tx.rcpts.size(); ++i) {
        handlers.push_back([this, st, i, classify, pipelining, send_next, finish](const ServerReply& r) {
            if (i + 1 == st->accepted.size()) phase_ = "sending DATA";
            if (!st->mail_failed) {
                if (r.positive()) {
                    st->accepted[i] = true;
                    ++st->n_accepted;
                } else {
                    st->out[i] = classify(r, "RCPT TO");
                }
            }
            if (pipelining) return;
            // Without PIPELINING, DATA only follows when some recipient was accepted.
            if (i + 1 == st->accepted.size() && st->n_accepted == 0) return finish(true);
            send_next();
        });
    }
    handlers.push_back(on_data);
    if (pipelining) {
        // RFC 2920 3.1: MAIL, RCPT... and DATA in one group; DATA ends it.
        std::string group;
        for (const auto& c : st->cmds) group += c + "\r\n";
        write(group);
        for (auto& h : handlers) expect(s_.mail_timeout, "sending MAIL FROM", std::move(h));
    } else {
        // The handlers queue up now; each sends the next command when its reply arrives.
        send_next();
        for (auto& h : handlers) expect(s_.mail_timeout, "sending MAIL FROM", std::move(h));
    }
    bufferevent_enable(bev_, EV_READ | EV_WRITE);
    handle_input();
}

}  // namespace tern::smtp_client
