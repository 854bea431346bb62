// The not-authenticated state: LOGIN through authd and the delay after a
// failed attempt.
#include "imapd/session.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::imapd {

void Session::cmd_login(const std::string& tag, Parser& p) {
    auto user = p.space() ? p.astring() : std::nullopt;
    auto password = user && p.space() ? p.astring() : std::nullopt;
    if (!user || !password || !p.at_end()) return bad(tag, "Syntax: LOGIN user password");
    if (!services_.check_password) return tagged(tag, "NO [UNAVAILABLE] Authentication service unavailable.");
    suspend();
    auth::PasswordRequest req{.user = *user, .password = std::move(*password), .client_address = peer_,
                              .service = "imapd"};
    check_ = services_.check_password(std::move(req), [this, tag, u = *user](const auth::Verdict& v) {
        login_done(tag, u, v);
    });
    if (!check_) {
        tagged(tag, "NO [UNAVAILABLE] Authentication service unavailable.");
        // Still inside handle_input(): let its loop carry on instead of recursing.
        suspended_ = false;
        if (bev_) bufferevent_enable(bev_.get(), EV_READ);
    }
}

void Session::login_done(std::string tag, std::string user, const auth::Verdict& v) {
    if (closing_) return;
    switch (v.kind) {
    case auth::Verdict::Kind::Ok: {
        const std::string account = v.user.empty() ? user : v.user;
        auto root = services_.maildir_root ? services_.maildir_root(account) : Result<std::string>(Error("no map"));
        if (!root) {
            log::warning("login: user=<%s>, rip=%s: %s", printable(account).c_str(), peer_.c_str(),
                         root.error().message.c_str());
            tagged(tag, "NO [UNAVAILABLE] Mailbox not available.");
            return resume_later();
        }
        user_ = account;
        maildir_root_ = *root;
        state_ = State::Authenticated;
        log::info("login: user=<%s>, method=LOGIN, rip=%s", printable(user_).c_str(), peer_.c_str());
        tagged(tag, "OK [CAPABILITY " + std::string(kCapabilities) + "] Logged in");
        return resume_later();
    }
    case auth::Verdict::Kind::TempFail:
        log::warning("login: user=<%s>, rip=%s: authentication temporarily failed: %s",
                     printable(user).c_str(), peer_.c_str(), printable(v.reason).c_str());
        tagged(tag, "NO [UNAVAILABLE] Temporary authentication failure.");
        return resume_later();
    case auth::Verdict::Kind::Fail:
    case auth::Verdict::Kind::Banned:
        ++login_failures_;
        log::info("authentication failed: user=<%s>, rip=%s, reason=%s", printable(user).c_str(), peer_.c_str(),
                  printable(v.reason).c_str());
        // The same answer after the same delay for a wrong password, an
        // unknown user and a banned address, so that none can be told apart.
        pending_reply_ = tag + " NO [AUTHENTICATIONFAILED] Authentication failed.\r\n";
        close_after_reply_ = login_failures_ >= kMaxLoginFailures || v.kind == auth::Verdict::Kind::Banned;
        login_delay_.reset(evtimer_new(base_, on_login_delay, this));
        const auto ms = settings_.login_failure_delay.count();
        const timeval delay{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
        if (!login_delay_ || evtimer_add(login_delay_.get(), &delay) != 0) on_login_delay(-1, 0, this);
        return;
    }
}

void Session::on_login_delay(evutil_socket_t, short, void* ctx) noexcept {
    auto* self = static_cast<Session*>(ctx);
    if (self->closing_) return;
    self->send(self->pending_reply_);
    self->pending_reply_.clear();
    if (self->close_after_reply_) {
        self->untagged("BYE Too many authentication failures");
        self->finish("too many authentication failures");
        return;
    }
    self->resume();
}

}  // namespace tern::imapd
