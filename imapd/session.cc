#include "imapd/session.h"

#include <event2/buffer.h>

#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/event/line_reader.h"
#include "libmail/event/write_now.h"

namespace tern::imapd {

namespace {

// Whether the command being assembled is an APPEND (its literal is a message).
bool is_append(std::string_view command) {
    Parser p(command);
    if (!p.tag() || !p.space()) return false;
    auto verb = p.atom();
    return verb && iequals(*verb, "APPEND");
}

}  // namespace

Session::Session(event_base* base, UniqueFd fd, std::string peer, const Settings& settings,
                 const Services& services, std::function<void(Session*)> on_done)
    : base_(base),
      bev_(bufferevent_socket_new(base, fd.release(), BEV_OPT_CLOSE_ON_FREE)),
      peer_(std::move(peer)),
      settings_(settings),
      services_(services),
      on_done_(std::move(on_done)) {}

Session::~Session() { stop_idle_watch(); }

void Session::start() {
    if (!bev_) {
        log::warning("bufferevent_socket_new failed for %s", peer_.c_str());
        finish("out of memory");
        return;
    }
    log::info("connect from [%s]", peer_.c_str());
    adopt_bufferevent();
    bufferevent_disable(bev_.get(), EV_WRITE);  // in clear text, flush_output() writes; see there
    // Port 993: the greeting waits in the TLS bufferevent until the handshake is done.
    if (settings_.tls_wrappermode) {
        start_tls();
        if (closing_) return;
    }
    untagged("OK [CAPABILITY " + capabilities() + "] Tern ready.");
}

void Session::adopt_bufferevent() {
    bufferevent_setcb(bev_.get(), on_read, on_write, on_event, this);
    const auto ms = settings_.idle_timeout.count();
    const timeval idle{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
    bufferevent_set_timeouts(bev_.get(), &idle, &idle);
    // on_write runs when the output falls to half the FETCH high-water mark.
    bufferevent_setwatermark(bev_.get(), EV_WRITE, kFetchOutputHighWater / 2, 0);
    bufferevent_enable(bev_.get(), EV_READ | EV_WRITE);
}

void Session::on_read(bufferevent*, void* ctx) noexcept { static_cast<Session*>(ctx)->handle_input(); }

void Session::on_write(bufferevent* bev, void* ctx) noexcept {
    auto* self = static_cast<Session*>(ctx);
    // All out: responses go straight to the socket again (flush_output).
    if (self->writes_direct() && evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
        bufferevent_disable(bev, EV_WRITE);
        return;
    }
    if (self->closing_) {
        if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) self->finish(nullptr);
        return;
    }
    if (self->tls_switch_pending_) {
        if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) self->start_tls();
        return;
    }
    if (self->compress_switch_pending_) {
        if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) self->start_compress();
        return;
    }
    if (self->fetch_job_ && self->fetch_job_->paused) self->continue_fetch();
}

void Session::on_event(bufferevent*, short what, void* ctx) noexcept {
    auto* self = static_cast<Session*>(ctx);
    if (what & BEV_EVENT_CONNECTED) {  // the TLS handshake is complete
        self->on_tls_connected();
        return;
    }
    if (self->tls_handshaking_ && (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT))) {
        std::string why = tls::take_errors(self->bev_.get());
        log::info("TLS handshake failed with [%s]: %s", self->peer_.c_str(),
                  why.empty() ? "lost connection" : why.c_str());
        self->peer_gone_ = true;
        self->finish(nullptr);
        return;
    }
    if (what & BEV_EVENT_TIMEOUT) {
        if ((what & BEV_EVENT_WRITING) || self->closing_) {
            // The client stopped reading: drop what is queued.
            self->peer_gone_ = true;
            self->finish("write timeout");
            return;
        }
        // RFC 3501 5.4: the autologout timer.
        self->untagged("BYE Autologout; idle for too long");
        self->finish("timeout");
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        self->peer_gone_ = true;
        self->finish(self->closing_ ? nullptr : "lost connection");
    }
}

void Session::finish(const char* why) {
    if (why && !closing_)
        log::info("%s after %s from [%s]", why, user_.empty() ? "connect" : printable(user_).c_str(), peer_.c_str());
    closing_ = true;
    if (bev_) bufferevent_disable(bev_.get(), EV_READ);
    flush_output();
    // Flush what is queued first; on_write calls finish(nullptr) when it is out.
    if (bev_ && !peer_gone_ && evbuffer_get_length(bufferevent_get_output(bev_.get())) > 0) return;
    // Under COMPRESS the compressed bytes wait in the bufferevent below,
    // which tells us nothing when it drains: look again shortly.
    if (bev_ && !peer_gone_ && pending_below()) {
        if (!drain_ev_) drain_ev_.reset(evtimer_new(base_, on_drain_check, this));
        const timeval soon{0, 10 * 1000};
        if (drain_ev_ && evtimer_add(drain_ev_.get(), &soon) == 0) return;
    }
    if (done_called_) return;
    done_called_ = true;
    log::info("disconnect from [%s]", peer_.c_str());
    // check_ and login_delay_ may be on the call stack: the destructor frees them.
    if (bev_) bufferevent_disable(bev_.get(), EV_READ | EV_WRITE);
    if (on_done_) on_done_(this);
}

bool Session::pending_below() const {
    for (bufferevent* b = bufferevent_get_underlying(bev_.get()); b; b = bufferevent_get_underlying(b))
        if (evbuffer_get_length(bufferevent_get_output(b)) > 0) return true;
    return false;
}

void Session::on_drain_check(evutil_socket_t, short, void* ctx) noexcept {
    static_cast<Session*>(ctx)->finish(nullptr);
}

void Session::send(std::string_view data) {
    if (!bev_ || done_called_) return;
    bufferevent_write(bev_.get(), data.data(), data.size());
    if (!in_input_) flush_output();
}

// In clear text, with nothing else pending on the output (no TLS or
// COMPRESS switch, no FETCH waiting for the client to read, not closing),
// responses are written to the socket when the commands of one read are
// handled, not through the write event, which costs two epoll_ctl and a
// loop turn per command. What the socket does not take goes through the
// write event as before, which on_write turns off again once all is out.
bool Session::writes_direct() const {
    return !tls_active_ && !tls_handshaking_ && !tls_switch_pending_ && !compress_active_ &&
           !compress_switch_pending_ && !closing_ && !(fetch_job_ && fetch_job_->paused);
}

void Session::flush_output() {
    if (!bev_ || done_called_) return;
    evbuffer* out = bufferevent_get_output(bev_.get());
    if (evbuffer_get_length(out) == 0) return;
    if (writes_direct() && write_now(bev_.get())) return;
    bufferevent_enable(bev_.get(), EV_WRITE);
}

void Session::untagged(std::string_view text) {
    std::string line = "* ";
    line += text;
    line += "\r\n";
    send(line);
}

void Session::tagged(const std::string& tag, std::string_view text) {
    std::string line = tag;
    line += ' ';
    line += text;
    line += "\r\n";
    send(line);
}

void Session::suspend() {
    suspended_ = true;
    if (bev_) bufferevent_disable(bev_.get(), EV_READ);
}

void Session::resume() {
    suspended_ = false;
    // A finished password check still holds its authd connection: with
    // thousands of idle sessions that would be one descriptor each.
    check_.reset();
    if (closing_ || !bev_) return;
    bufferevent_enable(bev_.get(), EV_READ);
    handle_input();  // commands the client pipelined while we waited
}

void Session::resume_later() {
    if (!resume_ev_) resume_ev_.reset(evtimer_new(base_, on_resume, this));
    const timeval now{0, 0};
    if (!resume_ev_ || evtimer_add(resume_ev_.get(), &now) != 0) {
        log::warning("cannot schedule input for [%s]", peer_.c_str());
        finish("out of memory");
    }
}

void Session::on_resume(evutil_socket_t, short, void* ctx) noexcept { static_cast<Session*>(ctx)->resume(); }

void Session::handle_input() {
    in_input_ = true;
    process_input();
    in_input_ = false;
    flush_output();
}

void Session::process_input() {
    if (!bev_) return;
    evbuffer* in = bufferevent_get_input(bev_.get());
    while (!suspended_ && !closing_) {
        if (discarding_) {
            if (!skip_line(in)) return;
            discarding_ = false;
            untagged("BAD Command line too long");
            continue;
        }
        if (input_ == Input::Literal) {
            const std::size_t avail = evbuffer_get_length(in);
            if (avail == 0) return;
            const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(avail, literal_left_));
            const std::size_t old = command_.size();
            command_.resize(old + take);
            evbuffer_remove(in, command_.data() + old, take);
            literal_left_ -= take;
            if (literal_left_ > 0) return;
            input_ = Input::Line;
            continue;
        }
        std::string line;
        const auto st = take_line(in, kMaxLineOctets, line);
        if (st == LineStatus::NeedMore) return;
        if (st == LineStatus::TooLong) {
            command_.clear();
            literal_total_ = 0;
            if (evbuffer_get_length(in) >= kMaxLineOctets && evbuffer_search(in, "\n", 1, nullptr).pos < 0) {
                evbuffer_drain(in, evbuffer_get_length(in));
                discarding_ = true;
                continue;
            }
            untagged("BAD Command line too long");
            continue;
        }
        if (idling_) {
            idle_line(line);
            continue;
        }
        if (sasl_) {  // an AUTHENTICATE continuation (RFC 3501 6.2.2)
            auth_step(sasl_->next(line));
            continue;
        }
        command_ += line;
        if (auto lit = trailing_literal(line)) {
            // Literals before login carry a user name and password only (a
            // client that has not logged in gets little memory); APPEND's
            // message may be as large as APPENDLIMIT.
            const bool append = state_ != State::NotAuthenticated && is_append(command_);
            const std::size_t limit = state_ == State::NotAuthenticated ? kMaxPreauthLiteralOctets
                                      : append ? settings_.append_limit
                                               : kMaxLiteralOctets;
            if (lit->size > limit || literal_total_ + lit->size > limit ||
                command_.size() > limit + 4 * kMaxLineOctets) {
                Parser p(command_);
                const std::string tag = p.tag().value_or("*");
                command_.clear();
                literal_total_ = 0;
                if (lit->non_sync) {
                    // RFC 7888 4: the data is coming anyway; the only way out is to close.
                    untagged("BYE Literal too large");
                    finish("literal too large");
                    return;
                }
                if (append)
                    tagged(tag, "NO [TOOBIG] Message larger than APPENDLIMIT " + std::to_string(limit));
                else
                    bad(tag, "Literal too large");
                continue;
            }
            literal_total_ += static_cast<std::size_t>(lit->size);
            literal_left_ = lit->size;
            command_ += "\r\n";
            if (!lit->non_sync) send("+ Ready for literal data\r\n");
            if (literal_left_ > 0) input_ = Input::Literal;
            continue;
        }
        std::string cmd = std::move(command_);
        command_.clear();
        literal_total_ = 0;
        dispatch(cmd);
    }
}

void Session::dispatch(std::string_view command) {
    Parser p(command);
    auto tag = p.tag();
    if (!tag || !p.space()) {
        untagged("BAD Missing or invalid tag");
        return;
    }
    auto name = p.atom();
    if (!name) {
        bad(*tag, "Missing command");
        return;
    }
    const Command* cmd = find_command(*name);
    if (!cmd) {
        bad(*tag, "Unknown command");
        return;
    }
    if (!(cmd->states & state_bit(state_))) {
        bad(*tag, state_ == State::NotAuthenticated ? "Log in first" : "Command not allowed in this state");
        return;
    }
    (this->*cmd->run)(*tag, p);
}

}  // namespace tern::imapd
