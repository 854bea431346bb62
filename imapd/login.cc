// The not-authenticated state: LOGIN and AUTHENTICATE PLAIN (RFC 3501 6.2,
// RFC 4959 SASL-IR, RFC 4616) through authd, the delay after a failed
// attempt, and the refusal of passwords in clear while imapd_tls_auth_only
// is on (LOGINDISABLED, RFC 3501 6.2.3; Dovecot's disable_plaintext_auth).
#include "imapd/session.h"
#include "libmail/store/folders.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/event/min_delay.h"

namespace tern::imapd {

namespace {
constexpr std::string_view kPrivacyRequired =
    "NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.";
}  // namespace

std::string Session::capabilities() const {
    std::string caps(kCapabilities);
    caps += " APPENDLIMIT=" + std::to_string(settings_.append_limit);
    if (state_ != State::NotAuthenticated) return caps;
    if (starttls_offered()) caps += " STARTTLS";
    caps += plaintext_auth_allowed() ? " AUTH=PLAIN SASL-IR" : " LOGINDISABLED";
    return caps;
}

void Session::cmd_login(const std::string& tag, Parser& p) {
    auto user = p.space() ? p.astring() : std::nullopt;
    auto password = user && p.space() ? p.astring() : std::nullopt;
    if (!user || !password || !p.at_end()) return bad(tag, "Syntax: LOGIN user password");
    if (!plaintext_auth_allowed()) return tagged(tag, kPrivacyRequired);
    check_login(tag, std::move(*user), std::move(*password), "LOGIN");
}

// AUTHENTICATE mechanism [SP initial-response] (RFC 4959: "=" is an empty one).
void Session::cmd_authenticate(const std::string& tag, Parser& p) {
    auto mech = p.space() ? p.atom() : std::nullopt;
    if (!mech) return bad(tag, "Syntax: AUTHENTICATE mechanism [initial-response]");
    std::optional<std::string_view> initial;
    if (p.space()) {
        initial = p.rest();
        if (initial->empty()) return bad(tag, "Syntax: AUTHENTICATE mechanism [initial-response]");
    } else if (!p.at_end()) {
        return bad(tag, "Syntax: AUTHENTICATE mechanism [initial-response]");
    }
    // Only PLAIN is offered: LOGIN is the LOGIN command's job in IMAP.
    const auto m = sasl::parse_mechanism(*mech);
    if (!m || *m != sasl::Mechanism::Plain) return tagged(tag, "NO Unsupported authentication mechanism.");
    if (!plaintext_auth_allowed()) return tagged(tag, kPrivacyRequired);
    sasl_ = std::make_unique<sasl::Exchange>(*m);
    auth_tag_ = tag;
    auth_step(sasl_->begin(initial));
}

void Session::auth_step(const sasl::Step& step) {
    const std::string tag = auth_tag_;
    switch (step.kind) {
    case sasl::Step::Kind::Challenge:
        send("+ " + step.challenge + "\r\n");
        return;
    case sasl::Step::Kind::Cancelled:  // RFC 3501 6.2.2: a "*" line gets BAD
        sasl_.reset();
        return bad(tag, "Authentication cancelled.");
    case sasl::Step::Kind::BadEncoding:
        sasl_.reset();
        return bad(tag, "Invalid base64 data in response.");
    case sasl::Step::Kind::BadMessage:
        log::info("authentication failed: method=PLAIN, rip=%s, reason=%s", peer_.c_str(), step.reason.c_str());
        sasl_.reset();
        return tagged(tag, "NO [AUTHENTICATIONFAILED] Authentication failed.");
    case sasl::Step::Kind::Done:
        break;
    }
    sasl_.reset();
    const sasl::Credentials& c = step.credentials;
    // Acting for another identity (RFC 4616 authzid) is not offered.
    if (!c.authzid.empty() && c.authzid != c.authcid) {
        log::info("authentication failed: user=<%s>, method=PLAIN, rip=%s, reason=authorization identity refused",
                  printable(c.authcid).c_str(), peer_.c_str());
        return tagged(tag, "NO [AUTHORIZATIONFAILED] Authorization identity not allowed.");
    }
    check_login(tag, c.authcid, c.password, "PLAIN");
}

void Session::check_login(const std::string& tag, std::string user, std::string password, const char* method) {
    if (!services_.check_password) return tagged(tag, "NO [UNAVAILABLE] Authentication service unavailable.");
    suspend();
    auth::PasswordRequest req{.user = user, .password = std::move(password), .client_address = peer_,
                              .service = "imapd"};
    check_ = services_.check_password(std::move(req), [this, tag, u = std::move(user), method](const auth::Verdict& v) {
        login_done(tag, u, method, v);
    });
    if (!check_) {
        tagged(tag, "NO [UNAVAILABLE] Authentication service unavailable.");
        // Still inside handle_input(): let its loop carry on instead of recursing.
        suspended_ = false;
        if (bev_) bufferevent_enable(bev_.get(), EV_READ);
    }
}

void Session::login_done(std::string tag, std::string user, const char* method, const auth::Verdict& v) {
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
        quota_ = {v.quota.bytes, v.quota.messages};
        // A new account starts with INBOX and the special-use folders.
        if (auto r = store::ensure_default_folders(maildir_root_); !r)
            log::warning("login: user=<%s>: default folders: %s", printable(account).c_str(),
                         r.error().message.c_str());
        state_ = State::Authenticated;
        log::info("login: user=<%s>, method=%s, rip=%s%s", printable(user_).c_str(), method, peer_.c_str(),
                  tls_active_ ? ", TLS" : "");
        tagged(tag, "OK [CAPABILITY " + capabilities() + "] Logged in");
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
        const timeval delay = at_least(settings_.login_failure_delay);
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
