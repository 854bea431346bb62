// The AUTHORIZATION state (RFC 1939 4, 7): USER and PASS checked by authd,
// the delay after a failure, and opening the maildrop. Kept apart from the
// rest of the session (Dovecot's split) so that it can become its own
// unprivileged process later.
#include <event2/event.h>

#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "pop3d/session.h"

namespace tern::pop3d {

namespace {
// RFC 5321 4.5.3.1: a mailbox is at most 64 + 1 + 255 octets.
constexpr std::size_t kMaxUserOctets = 320;
}  // namespace

void Session::cmd_user(std::string_view args) {
    const std::string_view name = trim(args);
    if (name.empty()) return bad("Syntax: USER name");
    if (name.size() > kMaxUserOctets) return bad("[AUTH] User name too long");
    user_ = std::string(name);
    ok("Send your password");
}

void Session::cmd_pass(std::string_view args) {
    // RFC 1939 7: the password is the rest of the line, spaces included.
    if (user_.empty()) return bad("USER first");
    if (args.empty()) return bad("Syntax: PASS password");
    if (!services_.check_password) return err("[SYS/TEMP] Authentication service unavailable.");
    suspend();
    auth::PasswordRequest req{.user = user_, .password = std::string(args), .client_address = peer_,
                              .service = "pop3d"};
    check_ = services_.check_password(std::move(req), [this, u = user_](const auth::Verdict& v) { login_done(u, v); });
    if (!check_) {
        err("[SYS/TEMP] Authentication service unavailable.");
        resume_later();
    }
}

void Session::login_done(const std::string& user, const auth::Verdict& v) {
    if (closing_) return;
    switch (v.kind) {
    case auth::Verdict::Kind::Ok: {
        const std::string account = v.user.empty() ? user : v.user;
        if (!open_maildrop(account)) {
            err("[SYS/TEMP] Mailbox not available.");
            user_.clear();
            return resume_later();
        }
        account_ = account;
        state_ = State::Transaction;
        log::info("login: user=<%s>, method=USER, rip=%s, messages=%zu", printable(account_).c_str(), peer_.c_str(),
                  messages_.size());
        ok("Logged in.");
        return resume_later();
    }
    case auth::Verdict::Kind::TempFail:
        log::warning("login: user=<%s>, rip=%s: authentication temporarily failed: %s", printable(user).c_str(),
                     peer_.c_str(), printable(v.reason).c_str());
        err("[SYS/TEMP] Temporary authentication failure.");
        user_.clear();
        return resume_later();
    case auth::Verdict::Kind::Fail:
    case auth::Verdict::Kind::Banned: {
        log::info("authentication failed: user=<%s>, rip=%s, reason=%s", printable(user).c_str(), peer_.c_str(),
                  printable(v.reason).c_str());
        user_.clear();
        // The same answer after the same delay for a wrong password, an
        // unknown user and a banned address, so that none can be told apart;
        // the delay is a timer, never a sleep, so other sessions go on.
        login_delay_.reset(evtimer_new(base_, on_login_delay, this));
        const auto ms = settings_.login_failure_delay.count();
        const timeval delay{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
        if (!login_delay_ || evtimer_add(login_delay_.get(), &delay) != 0) {
            login_delay_.reset();
            bad("[AUTH] Authentication failed.");
            return resume_later();
        }
        return;
    }
    }
}

void Session::on_login_delay(evutil_socket_t, short, void* ctx) noexcept {
    auto* self = static_cast<Session*>(ctx);
    if (self->closing_) return;
    self->bad("[AUTH] Authentication failed.");
    self->resume_later();
}

bool Session::open_maildrop(const std::string& account) {
    if (!services_.maildir_root) return false;
    auto root = services_.maildir_root(account);
    if (!root) {
        log::warning("login: user=<%s>, rip=%s: %s", printable(account).c_str(), peer_.c_str(),
                     root.error().message.c_str());
        return false;
    }
    auto mb = store::Mailbox::open(*root, "INBOX");
    if (!mb) {
        log::warning("open INBOX of %s: %s", printable(account).c_str(), mb.error().message.c_str());
        return false;
    }
    if (auto r = mb->sync(); !r) {
        log::warning("sync INBOX of %s: %s", printable(account).c_str(), r.error().message.c_str());
        return false;
    }
    mbox_.emplace(std::move(*mb));
    messages_.clear();
    messages_.reserve(mbox_->messages().size());
    for (const auto& m : mbox_->messages()) messages_.push_back(Message{m.uid, m.size, false});
    return true;
}

}  // namespace tern::pop3d
