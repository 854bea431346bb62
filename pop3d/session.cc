// The connection, dispatch, and the TRANSACTION/UPDATE states (RFC 1939 5-6).
#include "pop3d/session.h"

#include <event2/buffer.h>
#include <unistd.h>

#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/event/line_reader.h"
#include "libmail/event/write_now.h"

namespace tern::pop3d {

namespace {
// RETR/TOP stop reading the file while the output is above kStreamHighOctets.
constexpr std::size_t kStreamHighOctets = 64 * 1024;
constexpr std::size_t kReadChunkOctets = 16 * 1024;

timeval to_timeval(std::chrono::milliseconds ms) {
    return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}
}  // namespace

Session::Session(event_base* base, UniqueFd fd, std::string peer, const Settings& settings,
                 const Services& services, std::function<void(Session*)> on_done)
    : base_(base), peer_(std::move(peer)), settings_(settings), services_(services), on_done_(std::move(on_done)) {
    bev_.reset(bufferevent_socket_new(base_, fd.release(), BEV_OPT_CLOSE_ON_FREE));
}

Session::~Session() = default;

void Session::start() {
    resume_.reset(event_new(base_, -1, 0, on_resume, this));
    if (!bev_ || !resume_) {
        finish("out of memory");
        return;
    }
    bufferevent_setcb(bev_.get(), on_read, on_write, on_event, this);
    const timeval t = to_timeval(settings_.idle_timeout);
    bufferevent_set_timeouts(bev_.get(), &t, &t);
    bufferevent_setwatermark(bev_.get(), EV_WRITE, kStreamLowOctets, 0);
    // Pipelined input waits in at most this much buffer (libevent stops reading above it).
    bufferevent_setwatermark(bev_.get(), EV_READ, 0, kMaxInputOctets);
    bufferevent_enable(bev_.get(), EV_READ);
    bufferevent_disable(bev_.get(), EV_WRITE);  // in clear text, flush_output() writes; see there
    log::info("connect from %s", peer_.empty() ? "local" : peer_.c_str());
    // Port 995: the greeting waits in the TLS bufferevent until the handshake is done.
    if (settings_.tls_wrappermode) {
        start_tls();
        if (closing_) return;
    }
    // RFC 1939 4; no APOP timestamp: passwords are checked by authd only.
    ok("Tern ready.");
}

void Session::on_read(bufferevent*, void* ctx) noexcept { static_cast<Session*>(ctx)->handle_input(); }

void Session::on_write(bufferevent* bev, void* ctx) noexcept {
    auto* self = static_cast<Session*>(ctx);
    if (self->tls_switch_pending_) {
        if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) self->start_tls();
        return;
    }
    if (self->encoder_) {
        self->pump_stream();
        return;
    }
    const bool drained = evbuffer_get_length(bufferevent_get_output(bev)) == 0;
    if (self->closing_ && drained) {
        self->finish(nullptr);
        return;
    }
    if (drained && self->writes_direct()) bufferevent_disable(bev, EV_WRITE);  // flush_output() writes again
}

void Session::on_event(bufferevent*, short what, void* ctx) noexcept {
    auto* self = static_cast<Session*>(ctx);
    if (what & BEV_EVENT_CONNECTED) {  // the TLS handshake is complete
        self->on_tls_connected();
        return;
    }
    if (self->tls_handshaking_ && (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT))) {
        const std::string why = tls::take_errors(self->bev_.get());
        log::info("TLS handshake failed with %s: %s", self->peer_.c_str(),
                  why.empty() ? "lost connection" : why.c_str());
        self->closing_ = true;
        self->finish(nullptr);
        return;
    }
    if (what & BEV_EVENT_TIMEOUT) {
        if (!self->closing_ && (what & BEV_EVENT_READING)) {
            self->send("-ERR Timeout, closing connection.\r\n");
            self->finish("timeout");
        } else {
            self->closing_ = true;
            self->finish("write timeout");
            self->finish(nullptr);
        }
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        self->closing_ = true;
        self->finish(nullptr);
    }
}

void Session::on_resume(evutil_socket_t, short, void* ctx) noexcept {
    auto* self = static_cast<Session*>(ctx);
    if (self->closing_ || self->suspended_) return;
    bufferevent_enable(self->bev_.get(), EV_READ);
    self->handle_input();
}

void Session::finish(const char* why) {
    if (done_) return;
    if (why) log::info("disconnect from %s: %s", peer_.empty() ? "local" : peer_.c_str(), why);
    if (!closing_) {
        closing_ = true;
        encoder_.reset();
        stream_fd_.reset();
        check_.reset();
        login_delay_.reset();
        lock_.reset();  // the maildrop is free again before the last reply leaves
        if (bev_) bufferevent_disable(bev_.get(), EV_READ);
        // Flush what is queued first; on_write calls finish(nullptr) when it is out.
        if (bev_ && evbuffer_get_length(bufferevent_get_output(bev_.get())) > 0) {
            bufferevent_enable(bev_.get(), EV_WRITE);
            return;
        }
    }
    done_ = true;
    if (bev_) bufferevent_disable(bev_.get(), EV_READ | EV_WRITE);
    on_done_(this);
}

void Session::suspend() {
    suspended_ = true;
    bufferevent_disable(bev_.get(), EV_READ);
}

void Session::resume_later() {
    suspended_ = false;
    if (!closing_ && resume_) event_active(resume_.get(), EV_TIMEOUT, 0);
}

void Session::send(std::string_view text) {
    if (!bev_ || done_) return;
    bufferevent_write(bev_.get(), text.data(), text.size());
    if (!in_input_) flush_output();
}

// In clear text, with no message streaming and no TLS switch under way,
// responses go to the socket when the commands of one read are handled, not
// through the write event (two epoll_ctl and a loop turn per command). What
// the socket does not take goes through the write event, which on_write
// turns off again once all is out.
bool Session::writes_direct() const {
    return !tls_active_ && !tls_handshaking_ && !tls_switch_pending_ && !closing_ && !encoder_;
}

void Session::flush_output() {
    if (!bev_ || done_) return;
    if (evbuffer_get_length(bufferevent_get_output(bev_.get())) == 0) return;
    if (writes_direct() && write_now(bev_.get())) return;
    bufferevent_enable(bev_.get(), EV_WRITE);
}

void Session::ok(std::string_view text) {
    std::string line = "+OK";
    if (!text.empty()) line += ' ';
    line += text;
    line += "\r\n";
    send(line);
}

void Session::err(std::string_view text) {
    std::string line = "-ERR ";
    line += text;
    line += "\r\n";
    send(line);
}

void Session::bad(std::string_view text) {
    err(text);
    if (++errors_ >= kMaxErrors) {
        send("-ERR Too many errors, closing connection.\r\n");
        finish("too many errors");
    }
}

void Session::handle_input() {
    in_input_ = true;
    process_input();
    in_input_ = false;
    flush_output();
}

void Session::process_input() {
    evbuffer* in = bufferevent_get_input(bev_.get());
    std::string line;
    while (!closing_ && !suspended_ && !encoder_) {
        if (skipping_long_line_) {
            if (!skip_line(in)) return;
            skipping_long_line_ = false;
            continue;
        }
        // An AUTH response is base64 of up to two names and a password: it
        // may be longer than a command line (RFC 5034 4 sets no limit).
        const std::size_t limit = sasl_ ? sasl::kMaxResponseOctets : kMaxLineOctets;
        switch (take_line(in, limit, line)) {
        case LineStatus::NeedMore: return;
        case LineStatus::TooLong:
            // The rest of an over-long line may not have arrived yet.
            if (evbuffer_get_length(in) >= limit) skipping_long_line_ = true;
            sasl_.reset();
            bad("line too long");
            continue;
        case LineStatus::Ok:
            if (sasl_)  // an AUTH continuation (RFC 5034 4)
                auth_step(sasl_->next(line));
            else
                dispatch(line);
            break;
        }
    }
}

void Session::dispatch(std::string_view line) {
    const auto [keyword, args] = split_command(line);
    const Command* cmd = find_command(keyword);
    if (!cmd) return bad("Unknown command");
    if (!allowed_in(*cmd, state_))
        return bad(state_ == State::Authorization ? "Not logged in" : "Command not valid in this state");
    switch (cmd->verb) {
    case Verb::User: return cmd_user(args);
    case Verb::Pass: return cmd_pass(args);
    case Verb::Stat: return cmd_stat(args);
    case Verb::List: return cmd_list(args, false);
    case Verb::Uidl: return cmd_list(args, true);
    case Verb::Retr: return cmd_retr(args);
    case Verb::Top: return cmd_top(args);
    case Verb::Dele: return cmd_dele(args);
    case Verb::Rset: return cmd_rset(args);
    case Verb::Noop: return cmd_noop(args);
    case Verb::Quit: return cmd_quit(args);
    case Verb::Capa: return cmd_capa(args);
    case Verb::Stls: return cmd_stls(args);
    case Verb::Auth: return cmd_auth(args);
    }
}

void Session::cmd_capa(std::string_view args) {
    if (!args.empty()) return bad("CAPA takes no arguments");
    std::string out = "+OK Capability list follows\r\n";
    out += capabilities({.authorization = state_ == State::Authorization,
                         .stls = settings_.tls && !tls_active_,
                         .plaintext_auth = plaintext_auth_allowed(),
                         .login_delay_seconds = static_cast<std::uint32_t>(settings_.login_delay.count())});
    out += ".\r\n";
    send(out);
}

void Session::cmd_noop(std::string_view args) {
    if (!args.empty()) return bad("NOOP takes no arguments");
    ok("");
}

Session::Message* Session::message_arg(std::string_view arg) {
    auto n = parse_number_arg(arg);
    if (!n) {
        bad("Invalid message number");
        return nullptr;
    }
    if (*n == 0 || *n > messages_.size()) {
        bad("No such message");
        return nullptr;
    }
    Message& m = messages_[*n - 1];
    if (m.deleted) {
        bad("Message is deleted");
        return nullptr;
    }
    return &m;
}

void Session::cmd_stat(std::string_view args) {
    if (!args.empty()) return bad("STAT takes no arguments");
    std::uint64_t count = 0, octets = 0;
    for (const auto& m : messages_) {
        if (m.deleted) continue;
        ++count;
        octets += m.size;
    }
    ok(std::to_string(count) + " " + std::to_string(octets));
}

void Session::cmd_list(std::string_view args, bool uidl) {
    auto value = [&](const Message& m) {
        return uidl ? m.uidl : std::to_string(m.size);
    };
    if (!args.empty()) {
        const Message* m = message_arg(args);
        if (!m) return;
        const std::size_t n = static_cast<std::size_t>(m - messages_.data()) + 1;
        return ok(std::to_string(n) + " " + value(*m));
    }
    std::string out = "+OK\r\n";
    for (std::size_t i = 0; i < messages_.size(); ++i) {
        if (messages_[i].deleted) continue;
        out += std::to_string(i + 1) + " " + value(messages_[i]) + "\r\n";
    }
    out += ".\r\n";
    send(out);
}

void Session::cmd_retr(std::string_view args) {
    Message* m = message_arg(args);
    if (!m) return;
    start_stream(*m, std::nullopt);
}

void Session::cmd_top(std::string_view args) {
    const auto [msg, lines] = split_once(args, ' ');
    auto n = parse_number_arg(lines);
    if (msg.empty() || !n) return bad("Syntax: TOP message lines");
    Message* m = message_arg(msg);
    if (!m) return;
    start_stream(*m, *n);
}

void Session::start_stream(Message& m, std::optional<std::uint64_t> top_lines) {
    auto fd = mbox_->open_message(m.uid);
    if (!fd) {
        log::warning("retr uid %u in %s: %s", m.uid, mbox_->path().c_str(), fd.error().message.c_str());
        return err(fd.error().code == ENOENT ? "Message was removed by another session"
                                             : "[SYS/TEMP] Cannot read message");
    }
    stream_fd_ = std::move(*fd);
    encoder_.emplace(top_lines ? MessageEncoder(*top_lines) : MessageEncoder());
    if (top_lines)
        ok("");
    else
        ok(std::to_string(m.size) + " octets");
    pump_stream();
    if (encoder_) {  // more than one output's worth: on_write pumps the rest
        streaming_ = true;
        bufferevent_disable(bev_.get(), EV_READ);  // on_resume reads again after the message
        bufferevent_enable(bev_.get(), EV_WRITE);
    }
}

// Moves file data into the output until it is above the high mark (on_write
// calls again when it drains) or the message is done.
void Session::pump_stream() {
    evbuffer* out = bufferevent_get_output(bev_.get());
    std::string chunk;
    char buf[kReadChunkOctets];
    while (encoder_ && evbuffer_get_length(out) < kStreamHighOctets) {
        ssize_t n = ::read(stream_fd_.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            // The response has started: the only honest thing left is to drop the connection.
            log::warning("read %s: %s", mbox_->path().c_str(), std::strerror(errno));
            encoder_.reset();
            stream_fd_.reset();
            closing_ = true;
            finish("message read error");
            finish(nullptr);
            return;
        }
        chunk.clear();
        const bool more = n > 0 && encoder_->feed(std::string_view(buf, static_cast<std::size_t>(n)), chunk);
        if (!more) {
            encoder_->finish(chunk);
            encoder_.reset();
            stream_fd_.reset();
        }
        evbuffer_add(out, chunk.data(), chunk.size());
    }
    if (!encoder_ && streaming_) {
        streaming_ = false;
        resume_later();  // pipelined commands waiting in the input
    }
}

void Session::cmd_dele(std::string_view args) {
    Message* m = message_arg(args);
    if (!m) return;
    m->deleted = true;
    ok("Message deleted");
}

void Session::cmd_rset(std::string_view args) {
    if (!args.empty()) return bad("RSET takes no arguments");
    for (auto& m : messages_) m.deleted = false;
    ok("");
}

void Session::cmd_quit(std::string_view args) {
    if (state_ == State::Authorization) {
        ok("Tern signing off");
        return finish(nullptr);
    }
    // RFC 1939 6: the UPDATE state.
    std::vector<std::uint32_t> gone;
    std::size_t left = 0;
    for (const auto& m : messages_) {
        if (m.deleted)
            gone.push_back(m.uid);
        else
            ++left;
    }
    if (!gone.empty()) {
        if (auto r = mbox_->expunge(gone); !r) {
            log::warning("expunge in %s: %s", mbox_->path().c_str(), r.error().message.c_str());
            err("[SYS/TEMP] Some deleted messages were not removed");
            return finish("expunge failed");
        }
    }
    log::info("logout: user=<%s>, rip=%s, deleted=%zu, left=%zu", printable(account_).c_str(), peer_.c_str(),
              gone.size(), left);
    ok("Tern signing off (" + std::to_string(left) + " messages left)");
    finish(nullptr);
}

}  // namespace tern::pop3d
