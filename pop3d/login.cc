// The AUTHORIZATION state (RFC 1939 4, 7): USER and PASS, or AUTH PLAIN
// (RFC 5034, RFC 4616), checked by authd, the delay after a failure, and
// opening the maildrop: its lock ([IN-USE]), LOGIN-DELAY, the UIDLs. Passwords are refused in clear while
// pop3d_tls_auth_only is on, with RFC 2449's [AUTH] code (Dovecot's
// disable_plaintext_auth). Kept apart from the
// rest of the session (Dovecot's split) so that it can become its own
// unprivileged process later.
#include <event2/event.h>

#include <cerrno>
#include <unordered_set>

#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/event/min_delay.h"
#include "pop3d/session.h"
#include "pop3d/uidl.h"

namespace tern::pop3d {

namespace {
// RFC 5321 4.5.3.1: a mailbox is at most 64 + 1 + 255 octets.
constexpr std::size_t kMaxUserOctets = 320;
constexpr std::string_view kPrivacyRequired =
    "[AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.";
}  // namespace

void Session::cmd_user(std::string_view args) {
    const std::string_view name = trim(args);
    if (name.empty()) return bad("Syntax: USER name");
    if (!plaintext_auth_allowed()) return bad(kPrivacyRequired);
    if (name.size() > kMaxUserOctets) return bad("[AUTH] User name too long");
    user_ = std::string(name);
    ok("Send your password");
}

void Session::cmd_pass(std::string_view args) {
    // RFC 1939 7: the password is the rest of the line, spaces included.
    if (!plaintext_auth_allowed()) return bad(kPrivacyRequired);
    if (user_.empty()) return bad("USER first");
    if (args.empty()) return bad("Syntax: PASS password");
    check_login(user_, std::string(args), "USER");
}

// AUTH mechanism [initial-response] (RFC 5034 4; "=" is an empty one). A bare
// AUTH lists the mechanisms, as many clients expect (Dovecot does the same).
void Session::cmd_auth(std::string_view args) {
    if (args.empty()) {
        if (!plaintext_auth_allowed()) return send("+OK\r\n.\r\n");
        return send("+OK\r\nPLAIN\r\n.\r\n");
    }
    const auto [name, initial] = split_once(args, ' ');
    const auto mech = sasl::parse_mechanism(name);
    if (!mech || *mech != sasl::Mechanism::Plain) return bad("Unsupported authentication mechanism");
    if (!plaintext_auth_allowed()) return bad(kPrivacyRequired);
    if (initial.empty() && args.size() > name.size()) return bad("Syntax: AUTH mechanism [initial-response]");
    user_.clear();
    sasl_ = std::make_unique<sasl::Exchange>(*mech);
    auth_step(sasl_->begin(args.size() > name.size() ? std::optional<std::string_view>(initial) : std::nullopt));
}

void Session::auth_step(const sasl::Step& step) {
    switch (step.kind) {
    case sasl::Step::Kind::Challenge:
        send("+ " + step.challenge + "\r\n");
        return;
    case sasl::Step::Kind::Cancelled:  // RFC 5034 4: "*" gets -ERR
        sasl_.reset();
        return bad("Authentication cancelled");
    case sasl::Step::Kind::BadEncoding:
        sasl_.reset();
        return bad("Invalid base64 data in response");
    case sasl::Step::Kind::BadMessage:
        log::info("authentication failed: method=PLAIN, rip=%s, reason=%s", peer_.c_str(), step.reason.c_str());
        sasl_.reset();
        return bad("[AUTH] Authentication failed.");
    case sasl::Step::Kind::Done:
        break;
    }
    sasl_.reset();
    const sasl::Credentials& c = step.credentials;
    // Acting for another identity (RFC 4616 authzid) is not offered.
    if (!c.authzid.empty() && c.authzid != c.authcid) {
        log::info("authentication failed: user=<%s>, method=PLAIN, rip=%s, reason=authorization identity refused",
                  printable(c.authcid).c_str(), peer_.c_str());
        return bad("[AUTH] Authorization identity not allowed.");
    }
    if (c.authcid.size() > kMaxUserOctets) return bad("[AUTH] User name too long");
    check_login(c.authcid, c.password, "PLAIN");
}

void Session::check_login(std::string user, std::string password, const char* method) {
    if (!services_.check_password) return err("[SYS/TEMP] Authentication service unavailable.");
    suspend();
    auth::PasswordRequest req{.user = user, .password = std::move(password), .client_address = peer_,
                              .service = "pop3d"};
    check_ = services_.check_password(std::move(req), [this, u = user, method](const auth::Verdict& v) {
        login_done(u, method, v);
    });
    if (!check_) {
        err("[SYS/TEMP] Authentication service unavailable.");
        resume_later();
    }
}

void Session::login_done(const std::string& user, const char* method, const auth::Verdict& v) {
    if (closing_) return;
    switch (v.kind) {
    case auth::Verdict::Kind::Ok: {
        const std::string account = v.user.empty() ? user : v.user;
        const Maildrop m = open_maildrop(account);
        if (m != Maildrop::Open) {
            user_.clear();
            switch (m) {
            case Maildrop::Open: break;
            // RFC 2449 8.1.1 and 8.1.2: the password was right, the timing is not.
            case Maildrop::InUse: err("[IN-USE] Mailbox is locked by another POP3 session."); break;
            case Maildrop::TooEarly:
                err("[LOGIN-DELAY] Wait " + std::to_string(settings_.login_delay.count()) +
                    " seconds between logins.");
                break;
            case Maildrop::Unavailable: err("[SYS/TEMP] Mailbox not available."); break;
            }
            return resume_later();
        }
        account_ = account;
        state_ = State::Transaction;
        log::info("login: user=<%s>, method=%s, rip=%s%s, messages=%zu", printable(account_).c_str(), method,
                  peer_.c_str(), tls_active_ ? ", TLS" : "", messages_.size());
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
        const timeval delay = at_least(settings_.login_failure_delay);
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

Session::Maildrop Session::open_maildrop(const std::string& account) {
    if (!services_.maildir_root) return Maildrop::Unavailable;
    auto root = services_.maildir_root(account);
    if (!root) {
        log::warning("login: user=<%s>, rip=%s: %s", printable(account).c_str(), peer_.c_str(),
                     root.error().message.c_str());
        return Maildrop::Unavailable;
    }
    // Opening creates the Maildir of a user who never had mail; it reads
    // nothing that the lock protects (the sync below does).
    auto mb = store::Mailbox::open(*root, "INBOX");
    if (!mb) {
        log::warning("open INBOX of %s: %s", printable(account).c_str(), mb.error().message.c_str());
        return Maildrop::Unavailable;
    }
    // RFC 1939 8: one POP3 session at a time in TRANSACTION state, so that
    // message numbers and DELE stay meaningful. The lock is taken before the
    // INBOX is synced and lives as long as the session.
    auto lock = MaildropLock::try_acquire(*root);
    if (!lock) {
        if (lock.error().code == EWOULDBLOCK) {
            log::info("login refused: user=<%s>, rip=%s, reason=maildrop in use", printable(account).c_str(),
                      peer_.c_str());
            return Maildrop::InUse;
        }
        log::warning("login: user=<%s>, rip=%s: %s", printable(account).c_str(), peer_.c_str(),
                     lock.error().message.c_str());
        return Maildrop::Unavailable;
    }
    const auto now = MaildropLock::Clock::now();
    if (login_too_early(lock->last_login(), now, settings_.login_delay)) {
        log::info("login refused: user=<%s>, rip=%s, reason=login delay", printable(account).c_str(),
                  peer_.c_str());
        return Maildrop::TooEarly;
    }
    if (auto r = mb->sync(); !r) {
        log::warning("sync INBOX of %s: %s", printable(account).c_str(), r.error().message.c_str());
        return Maildrop::Unavailable;
    }
    // Only a login that reached the maildrop counts for LOGIN-DELAY; a failed
    // record is logged and the login goes on (the delay is advice to clients).
    if (auto r = lock->record_login(now); !r) log::warning("%s", r.error().message.c_str());
    lock_.emplace(std::move(*lock));
    mbox_.emplace(std::move(*mb));
    messages_.clear();
    messages_.reserve(mbox_->messages().size());
    std::unordered_set<std::string> seen;
    for (const auto& m : mbox_->messages()) {
        std::string uidl = uidl_for(m.filename);
        // Base names are unique in a Maildir; a copy made by hand is not, and
        // RFC 1939 7 wants one UIDL per message.
        if (!seen.insert(uidl).second) {
            log::warning("%s: two messages named %s; uid %u gets a UIDL of its own", mbox_->path().c_str(),
                         printable(uidl).c_str(), m.uid);
            uidl = digest_uidl(uidl + "\n" + std::to_string(m.uid));
        }
        messages_.push_back(Message{m.uid, m.size, std::move(uidl), false});
    }
    return Maildrop::Open;
}

}  // namespace tern::pop3d
