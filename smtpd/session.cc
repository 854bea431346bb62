#include "smtpd/session.h"

#include <event2/buffer.h>

#include <utility>

#include "libmail/config/params_cleanup.h"
#include "libmail/config/params_global.h"
#include "libmail/config/params_smtpd.h"
#include "libmail/config/params_tls.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/event/line_reader.h"
#include "libmail/event/write_now.h"

namespace tern::smtpd {

Settings Settings::from_config(const config::Config& cfg, const std::string& queue_dir) {
    Settings s;
    s.myhostname = cfg.get(config::kMyHostname);
    s.mail_name = cfg.get(config::kMailName);
    s.smtpd_banner = cfg.get(config::kSmtpdBanner);
    s.queue_directory = queue_dir;
    s.users_file = cfg.get(config::kAuthUsersFile);
    s.message_size_limit = cfg.get_int(config::kMessageSizeLimit);
    s.smtpd_recipient_limit = static_cast<int>(cfg.get_int(config::kSmtpdRecipientLimit));
    s.smtpd_hard_error_limit = static_cast<int>(cfg.get_int(config::kSmtpdHardErrorLimit));
    s.smtpd_timeout = cfg.get_time(config::kSmtpdTimeout);
    s.disable_vrfy_command = cfg.get_bool(config::kDisableVrfyCommand);
    s.smtpd_helo_required = cfg.get_bool(config::kSmtpdHeloRequired);
    const std::string level = cfg.get(config::kSmtpdTlsSecurityLevel);
    s.tls_level = level == "encrypt" ? TlsLevel::Encrypt : level == "none" ? TlsLevel::None : TlsLevel::May;
    s.tls_wrappermode = cfg.get_bool(config::kSmtpdTlsWrappermode);
    s.tls_auth_only = cfg.get_bool(config::kSmtpdTlsAuthOnly);
    s.tls_received_header = cfg.get_bool(config::kSmtpdTlsReceivedHeader);
    s.tls_loglevel = static_cast<int>(cfg.get_int(config::kSmtpdTlsLoglevel));
    s.starttls_timeout = cfg.get_time(config::kTlsHandshakeTimeout);
    s.sasl_auth_enable = cfg.get_bool(config::kSmtpdSaslAuthEnable);
    s.sasl_auth_required = cfg.get_bool(config::kSmtpdSaslAuthRequired);
    s.hide_client_address = cfg.get_bool(config::kSmtpdHideClientAddress);
    s.connection_count_limit = static_cast<int>(cfg.get_int(config::kSmtpdClientConnectionCountLimit));
    s.connection_rate_limit = static_cast<int>(cfg.get_int(config::kSmtpdClientConnectionRateLimit));
    s.rate_unit = cfg.get_time(config::kAnvilRateTimeUnit);
    s.pregreet_wait = cfg.get_time(config::kSmtpdPregreetWait);
    s.peername_lookup = cfg.get_bool(config::kSmtpdPeernameLookup);
    s.commit_threads = kCommitThreads;
    s.always_add_missing_headers = cfg.get_bool(config::kAlwaysAddMissingHeaders);
    s.queue_minfree = static_cast<std::uint64_t>(cfg.get_int(config::kQueueMinfree));
    s.header_size_limit = static_cast<std::size_t>(cfg.get_int(config::kHeaderSizeLimit));
    s.header_section_size_limit = static_cast<std::size_t>(cfg.get_int(config::kHeaderSectionSizeLimit));
    return s;
}

// ---- Server: owns the sessions ----

Server::Server(event_base* base, Settings settings, std::unique_ptr<Policy> policy,
               std::unique_ptr<Restrictions> restrictions, std::unique_ptr<dns::Resolver> resolver)
    : base_(base),
      settings_(std::move(settings)),
      policy_(std::move(policy)),
      restrictions_(std::move(restrictions)),
      resolver_(std::move(resolver)),
      limits_(settings_.connection_count_limit, settings_.connection_rate_limit, settings_.rate_unit),
      commit_pool_(settings_.commit_threads ? std::make_unique<BlockingPool>(base, settings_.commit_threads) : nullptr),
      authd_(base, ipc::service_path(settings_.queue_directory, true, "auth"), kIdleAuthdConnections),
      new_mail_trigger_(base, settings_.queue_directory, "qmgr", ipc::kTriggerIncoming, kNewMailTriggerWindow),
      account_cache_(settings_.users_file),
      sessions_(base) {}

Server::~Server() = default;

void Server::set_sender_auth(std::unique_ptr<authres::SenderAuthConfig> c, std::chrono::seconds flush_interval) {
    sender_auth_ = std::move(c);
    report_flush_interval_ = flush_interval;
    if (!sender_auth_ || !sender_auth_->reports) return;
    // Evaluations wait in memory at most this long before they are appended.
    report_flush_ev_.reset(event_new(base_, -1, EV_PERSIST, &Server::on_report_flush, this));
    const timeval tv{static_cast<time_t>(flush_interval.count()), 0};
    evtimer_add(report_flush_ev_.get(), &tv);
}

void Server::on_report_flush(evutil_socket_t, short, void* self) noexcept {
    auto* s = static_cast<Server*>(self);
    if (auto r = s->sender_auth_->reports->flush(); !r)
        log::warning("DMARC evaluation log: %s", r.error().message.c_str());
}

void Server::accept(UniqueFd fd, const server::Peer& mapped_peer) {
    // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d; they are
    // IPv4 clients for mynetworks, access tables and DNSBLs, as in Postfix.
    server::Peer peer = mapped_peer;
    if (istarts_with(peer.address, "::ffff:") && peer.address.find('.') != std::string::npos)
        peer.address.erase(0, 7);
    // anvil(8)'s limits; trusted networks are exempt (smtpd_client_event_limit_exceptions).
    std::optional<smtp::Reply> refuse;
    bool counted = false;
    if (!policy_->in_mynetworks(peer.address)) {
        const auto v = limits_.admit(peer.address, ClientLimits::Clock::now());
        counted = v == ClientLimits::Verdict::Ok;
        if (!counted) {
            const bool many = v == ClientLimits::Verdict::TooManyConnections;
            log::warning("Connection %s limit exceeded: %d from unknown[%s] for service smtp",
                         many ? "concurrency" : "rate",
                         many ? limits_.open_connections(peer.address) + 1 : settings_.connection_rate_limit + 1,
                         peer.address.c_str());
            refuse = smtp::Reply{421, "4.7.0", settings_.myhostname + " Error: too many connections from " + peer.address};
        }
    }
    sessions_.add(std::make_unique<Session>(*this, base_, std::move(fd), peer, counted))->start(refuse);
}

void Server::retire(Session* s) { sessions_.retire(s); }

// ---- Session ----

Session::Session(Server& server, event_base* base, UniqueFd fd, server::Peer peer, bool counted)
    : server_(server),
      settings_(server.settings()),
      policy_(server.policy()),
      peer_(std::move(peer)),
      counted_(counted),
      connected_at_(std::chrono::steady_clock::now()) {
    evutil_make_socket_nonblocking(fd.get());
    bev_ = bufferevent_socket_new(base, fd.release(), BEV_OPT_CLOSE_ON_FREE);
    decided_ev_.reset(event_new(base, -1, 0, &Session::on_decided, this));
}

Session::~Session() {
    // Logged here, off every call stack, so the counters include the command
    // that closed the session (QUIT).
    if (started_) log_disconnect();
    eval_.reset();  // cancels a DNS lookup before the event it would fire goes
    if (counted_) server_.release(peer_.address);
    if (bev_) bufferevent_free(bev_);
}

std::string Session::client() const { return names_.name + "[" + peer_.address + "]"; }

void Session::start(const std::optional<smtp::Reply>& refuse) {
    if (!bev_) {
        log::warning("cannot create a bufferevent for %s", client().c_str());
        server_.retire(this);
        return;
    }
    started_ = true;
    if (refuse) {
        set_callbacks(settings_.smtpd_timeout);
        log::info("connect from %s", client().c_str());
        reply(*refuse);
        close("connection limit");
        return;
    }
    // Postfix logs "connect from" once the name is known, and greets after it.
    // Nothing is read meanwhile: what the client sends early stays in the
    // socket (on port 465, its TLS ClientHello).
    if (settings_.peername_lookup && server_.resolver()) {
        name_lookup_ = std::make_unique<ClientNameLookup>(*server_.resolver(), peer_.address,
                                                           [this](const ClientNames& n) {
                                                               names_ = n;
                                                               greet();
                                                           });
        return;
    }
    greet();
}

void Session::greet() {
    set_callbacks(settings_.smtpd_timeout);
    log::info("connect from %s", client().c_str());
    // Port 465: the banner waits in the TLS bufferevent until the handshake is done.
    if (settings_.tls_wrappermode) start_tls();
    if (closing_) return;
    // mynetworks and clients that passed before are not made to wait again.
    if (settings_.pregreet_wait.count() > 0 && !settings_.tls_wrappermode && !policy_.in_mynetworks(peer_.address) &&
        !server_.pregreet_passed().passed(peer_.address, std::chrono::steady_clock::now())) {
        // postscreen's greet test: a real client waits for the last banner line.
        const std::string first = "220-" + settings_.smtpd_banner + "\r\n";
        bufferevent_write(bev_, first.data(), first.size());
        send_output();
        pregreet_ = true;
        pregreet_ev_.reset(evtimer_new(bufferevent_get_base(bev_), &Session::on_pregreet_done, this));
        const timeval tv{static_cast<time_t>(settings_.pregreet_wait.count()), 0};
        evtimer_add(pregreet_ev_.get(), &tv);
        return;
    }
    reply(smtp::Reply{220, "", settings_.smtpd_banner});
}

void Session::on_pregreet_done(evutil_socket_t, short, void* ctx) noexcept {
    auto* self = static_cast<Session*>(ctx);
    if (self->closing_) return;
    self->pregreet_ = false;
    self->server_.pregreet_passed().add(self->peer_.address, std::chrono::steady_clock::now());
    self->reply(smtp::Reply{220, "", self->settings_.smtpd_banner});
    self->handle_input();
}

void Session::refuse_pregreet() {
    evbuffer* in = bufferevent_get_input(bev_);
    const std::size_t n = evbuffer_get_length(in);
    std::string sample(std::min<std::size_t>(n, 100), '\0');
    evbuffer_copyout(in, sample.data(), sample.size());
    const double after = std::chrono::duration<double>(std::chrono::steady_clock::now() - connected_at_).count();
    // postscreen's log line, which fail2ban-style tools already know.
    log::info("PREGREET %zu after %.1f from [%s]:%d: %s", n, after, peer_.address.c_str(), peer_.port,
              printable(sample, 100).c_str());
    evbuffer_drain(in, n);
    reply(smtp::Reply{554, "5.7.1", settings_.myhostname + " Error: talked before the greeting"});
    close("pregreet");
}

void Session::set_callbacks(std::chrono::seconds timeout) {
    bufferevent_setcb(bev_, &Session::on_read, &Session::on_write, &Session::on_event, this);
    const timeval tv{static_cast<time_t>(timeout.count()), 0};
    bufferevent_set_timeouts(bev_, &tv, &tv);
    // While authd or DNS answers, nothing is read off the buffer: cap it.
    bufferevent_setwatermark(bev_, EV_READ, 0, kMaxBufferedInputBytes);
    // Replies are written by send_output(); the write event serves only what the socket did not take.
    bufferevent_enable(bev_, EV_READ);
    if (tls_active_ || tls_handshaking_) {
        bufferevent_enable(bev_, EV_WRITE);
    } else {
        bufferevent_disable(bev_, EV_WRITE);  // a new socket bufferevent starts with it on
    }
}

// Replies go to the socket at once, after the commands of one read are
// handled (pipelined replies together, as Postfix flushes them), not through
// the write event: that would cost two epoll_ctl and a loop turn per reply.
// The write event takes over what the socket does not take, and TLS, where
// the filter bufferevent writes.
void Session::send_output() {
    if (!bev_) return;
    evbuffer* out = bufferevent_get_output(bev_);
    if (evbuffer_get_length(out) == 0) return;
    // A paused session resumes from on_write, so its output goes through the write event.
    if (!tls_active_ && !tls_handshaking_ && !tls_switch_pending_ && !paused_ && write_now(bev_)) return;
    bufferevent_enable(bev_, EV_WRITE);
}

std::string Session::protocol() const {
    if (!esmtp_) return "SMTP";
    // RFC 6531 3.7.3: a transaction with SMTPUTF8 is "UTF8SMTP" in Received.
    std::string p = tx_ && tx_->params.smtputf8 ? "UTF8SMTP" : "ESMTP";
    if (tls_active_) p += "S";
    if (!sasl_username_.empty()) p += "A";
    return p;
}

void Session::on_read(bufferevent*, void* ctx) noexcept { static_cast<Session*>(ctx)->handle_input(); }

void Session::on_write(bufferevent*, void* ctx) noexcept {
    auto* self = static_cast<Session*>(ctx);
    if (!self->tls_active_ && !self->tls_handshaking_) bufferevent_disable(self->bev_, EV_WRITE);  // drained
    if (self->closing_) {
        self->server_.retire(self);  // everything queued has been written
    } else if (self->tls_switch_pending_) {
        self->start_tls();           // "220 Ready to start TLS" has left in clear
    } else if (self->paused_) {      // the client read our replies: take its next commands
        self->paused_ = false;
        bufferevent_enable(self->bev_, EV_READ);
        self->handle_input();
    }
}

void Session::on_event(bufferevent*, short what, void* ctx) noexcept {
    auto* self = static_cast<Session*>(ctx);
    if (what & BEV_EVENT_CONNECTED) {  // the TLS handshake is complete
        self->on_tls_connected();
        return;
    }
    if (self->tls_handshaking_ && (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT))) {
        self->log_tls_failure();
        self->closing_ = true;
        self->server_.retire(self);
        return;
    }
    if (self->closing_) {  // the client went away or stopped reading while we flushed
        self->server_.retire(self);
        return;
    }
    if (what & BEV_EVENT_TIMEOUT) {
        log::info("timeout after %s from %s", self->last_verb_, self->client().c_str());
        self->reply(smtp::Reply{421, "4.4.2", self->settings_.myhostname + " Error: timeout exceeded"});
        self->close("timeout");
    } else if ((what & BEV_EVENT_EOF) && self->waiting_) {
        // The client sent everything and half-closed: answer what it sent first.
        self->eof_pending_ = true;
    } else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        log::info("lost connection after %s from %s", self->last_verb_, self->client().c_str());
        // TLS has no half-close: after the peer's close_notify or EOF nothing
        // more can be written, so flushing would only wait for a timeout.
        if ((what & BEV_EVENT_ERROR) || self->tls_active_) {
            self->closing_ = true;
            self->server_.retire(self);
        } else {
            self->close("lost connection");  // a half-closed client still gets the replies already queued
        }
    }
}

void Session::handle_input() {
    in_input_ = true;
    process_input();
    in_input_ = false;
    send_output();
}

void Session::process_input() {
    std::string line;
    // STARTTLS replaces bev_, so the buffer is looked up on every turn.
    if (pregreet_) {
        if (evbuffer_get_length(bufferevent_get_input(bev_)) > 0) refuse_pregreet();
        return;
    }
    while (!closing_ && !waiting_ && !tls_switch_pending_ && !tls_handshaking_) {
        evbuffer* in = bufferevent_get_input(bev_);
        if (state_ == State::Data) {
            if (!read_data()) return;
            continue;
        }
        if (in_chunk_) {
            if (!read_chunk()) return;
            continue;
        }
        if (skipping_line_) {
            if (!skip_line(in)) return;
            skipping_line_ = false;
            continue;
        }
        // A client that pipelines without reading our replies is not allowed
        // to grow the output buffer without bound: stop reading until it drains.
        if (evbuffer_get_length(bufferevent_get_output(bev_)) > kMaxPendingOutputBytes) {
            bufferevent_disable(bev_, EV_READ);
            paused_ = true;
            return;
        }
        const bool has_lf = evbuffer_search(in, "\n", 1, nullptr).pos >= 0;
        // AUTH lines (the command with its initial response, and the responses
        // of an exchange) may be longer than other commands (RFC 4954 4).
        char head[5] = {};
        const bool auth_line = sasl_ || (evbuffer_copyout(in, head, sizeof head) == sizeof head &&
                                         istarts_with(std::string_view(head, sizeof head), "AUTH "));
        switch (take_line(in, kMaxAuthLineOctets, line)) {
        case LineStatus::NeedMore:
            return;
        case LineStatus::TooLong:
            // Without a line end yet, the rest of the line is discarded as it arrives.
            if (!has_lf) skipping_line_ = !skip_line(in);
            if (auth_line) {
                sasl_.reset();
                log::warning("%s: SASL authentication failed: response line too long", client().c_str());
                reply(smtp::Reply{500, "5.5.6", "Authentication Exchange line is too long"});
            } else {
                reply(smtp::Reply{500, "5.5.2", "Error: line too long"});
            }
            break;
        case LineStatus::Ok:
            if (sasl_) {
                auth_response(line);
            } else if (line.size() + 2 > kMaxCommandLineOctets && !auth_line) {
                reply(smtp::Reply{500, "5.5.2", "Error: line too long"});
            } else {
                dispatch(line);
            }
            break;
        }
    }
}

void Session::resume() {
    waiting_ = false;
    if (closing_) return;
    handle_input();
    if (eof_pending_ && !waiting_ && !closing_) {
        log::info("lost connection after %s from %s", last_verb_, client().c_str());
        close("lost connection");
    }
}

void Session::dispatch(std::string_view line) {
    const auto sp = line.find(' ');
    const std::string_view verb = line.substr(0, sp);
    const std::string_view args = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
    std::size_t index = 0;
    const Command* cmd = find_command(verb, index);
    if (!cmd) {
        ++unknown_count_.total;
        last_verb_ = "UNKNOWN";
        reply(smtp::Reply{500, "5.5.2", "Error: command not recognized"});
        return;
    }
    last_verb_ = cmd->verb.data();  // string literals in the table: NUL-terminated
    ++counts_[index].total;
    if (!(cmd->allowed & bit(state_))) {
        reply(smtp::Reply{503, "5.5.1", std::string(cmd->bad_sequence.empty() ? "Error: bad sequence of commands"
                                                                               : cmd->bad_sequence)});
        return;
    }
    last_code_ = 0;
    const Step step = (this->*cmd->run)(args);
    // DATA is counted when its message is answered (finish_message), AUTH when
    // its exchange succeeds (auth_done).
    if (step == Step::Continue && state_ != State::Data && last_code_ > 0 && last_code_ < 400) ++counts_[index].ok;
}

void Session::reply(const smtp::Reply& r, const char* stage, std::string_view rcpt) {
    if (!bev_) return;
    last_code_ = r.code;
    const std::string out = smtp::format_reply(r);
    bufferevent_write(bev_, out.data(), out.size());
    if (!in_input_) send_output();
    if (stage) {
        // Postfix's shape: "from=<...>" once MAIL is known, "to=<...>" only for RCPT.
        const std::string id = tx_ ? tx_->queue_id() : std::string();
        std::string who;
        if (tx_) who += " from=<" + printable(tx_->sender, 300) + ">";
        if (!rcpt.empty()) who += " to=<" + printable(rcpt, 300) + ">";
        log::info("%s: reject: %s from %s: %s;%s proto=%s helo=<%s>", id.empty() ? "NOQUEUE" : id.c_str(), stage,
                  client().c_str(), printable(r.line(), 500).c_str(), who.c_str(), protocol().c_str(),
                  printable(helo_).c_str());
    }
    if (r.code >= 400 && r.code != 421 && !closing_) {
        if (++error_count_ >= settings_.smtpd_hard_error_limit) {
            log::info("too many errors after %s from %s", last_verb_, client().c_str());
            const std::string bye =
                smtp::format_reply(smtp::Reply{421, "4.7.0", settings_.myhostname + " Error: too many errors"});
            bufferevent_write(bev_, bye.data(), bye.size());
            if (!in_input_) send_output();
            close("too many errors");
        }
    }
}

void Session::reply_multiline(int code, const std::vector<std::string>& lines) {
    last_code_ = code;
    const std::string out = smtp::format_multiline(code, "", lines);
    bufferevent_write(bev_, out.data(), out.size());
    if (!in_input_) send_output();
}

void Session::close(const char* why) {
    if (closing_) return;
    closing_ = true;
    reset_transaction();
    bufferevent_disable(bev_, EV_READ);
    send_output();
    if (evbuffer_get_length(bufferevent_get_output(bev_)) == 0) {
        server_.retire(this);
        return;
    }
    // A client that does not read its last replies is not waited for long.
    const timeval flush{std::min<time_t>(10, settings_.smtpd_timeout.count()), 0};
    bufferevent_set_timeouts(bev_, nullptr, &flush);
    // otherwise on_write retires once the output is flushed (or on_event on error/timeout)
}

void Session::reset_transaction() { tx_.reset(); }  // an uncommitted queue file is unlinked

void Session::log_disconnect() {
    std::string counts;
    int ok = 0, total = 0;
    for (std::size_t i = 0; i < kCommandCount; ++i) {
        const auto& c = counts_[i];
        if (c.total == 0) continue;
        counts += " " + std::string(command_at(i).log_name) + "=" + std::to_string(c.ok);
        if (c.ok != c.total) counts += "/" + std::to_string(c.total);
        ok += c.ok;
        total += c.total;
    }
    if (unknown_count_.total) {
        counts += " unknown=0/" + std::to_string(unknown_count_.total);
        total += unknown_count_.total;
    }
    counts += " commands=" + std::to_string(ok);
    if (ok != total) counts += "/" + std::to_string(total);
    log::info("disconnect from %s%s", client().c_str(), counts.c_str());
}

}  // namespace tern::smtpd
