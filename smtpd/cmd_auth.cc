// AUTH (RFC 4954) with PLAIN and LOGIN, initial responses included (SASL-IR).
// smtpd never sees a password table: authd answers every check, counts the
// failures and bans addresses. While authd thinks, no further input is read.
// Failures are logged in the shape fail2ban's postfix-sasl filter knows:
//   warning: unknown[192.0.2.1]: SASL PLAIN authentication failed: ...
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "smtpd/session.h"

namespace tern::smtpd {

bool Session::auth_offered() const {
    return settings_.sasl_auth_enable && sasl_username_.empty() && (tls_active_ || !settings_.tls_auth_only);
}

Step Session::cmd_auth(std::string_view args) {
    if (!settings_.sasl_auth_enable) {
        reply(smtp::Reply{503, "5.5.1", "Error: authentication not enabled"});
        return Step::Continue;
    }
    if (!esmtp_) {
        reply(smtp::Reply{503, "5.5.1", "Error: send EHLO first"});
        return Step::Continue;
    }
    if (!sasl_username_.empty()) {
        reply(smtp::Reply{503, "5.5.1", "Error: already authenticated"});
        return Step::Continue;
    }
    if (!tls_active_ && settings_.tls_auth_only) {
        reply(smtp::Reply{538, "5.7.11", "Encryption required for requested authentication mechanism"});
        return Step::Continue;
    }
    const auto [name, initial] = split_once(trim(args), ' ');
    if (name.empty()) {
        reply(smtp::Reply{501, "5.5.4", "Syntax: AUTH mechanism"});
        return Step::Continue;
    }
    const auto mech = sasl::parse_mechanism(name);
    if (!mech) {
        reply(smtp::Reply{504, "5.5.4", "Unrecognized authentication type"});
        return Step::Continue;
    }
    sasl_ = std::make_unique<sasl::Exchange>(*mech);
    const std::string_view ir = trim(initial);
    auth_step(sasl_->begin(ir.empty() ? std::nullopt : std::optional<std::string_view>(ir)));
    return Step::Suspend;  // counted in auth_done, when the exchange succeeds
}

void Session::auth_response(std::string_view line) { auth_step(sasl_->next(line)); }

void Session::auth_step(const sasl::Step& step) {
    const std::string_view mech = sasl::mechanism_name(sasl_->mechanism());
    switch (step.kind) {
    case sasl::Step::Kind::Challenge:
        reply(smtp::Reply{334, "", step.challenge});
        return;
    case sasl::Step::Kind::Cancelled:
        sasl_.reset();
        reply(smtp::Reply{501, "5.7.0", "Authentication aborted"});
        return;
    case sasl::Step::Kind::BadEncoding:
        log::warning("%s: SASL %.*s authentication failed: malformed base64", client().c_str(),
                     static_cast<int>(mech.size()), mech.data());
        sasl_.reset();
        reply(smtp::Reply{501, "5.5.2", "Cannot decode response"});
        return;
    case sasl::Step::Kind::BadMessage:
        log::warning("%s: SASL %.*s authentication failed: %s", client().c_str(), static_cast<int>(mech.size()),
                     mech.data(), step.reason.c_str());
        sasl_.reset();
        reply(smtp::Reply{535, "5.7.8", "Error: authentication failed: " + step.reason});
        return;
    case sasl::Step::Kind::Done:
        break;
    }
    const sasl::Credentials& c = step.credentials;
    // Acting for another identity (a non-empty authzid) is not offered.
    if (!c.authzid.empty() && c.authzid != c.authcid) {
        log::warning("%s: SASL %.*s authentication failed: authorization identity %s refused", client().c_str(),
                     static_cast<int>(mech.size()), mech.data(), printable(c.authzid, 100).c_str());
        sasl_.reset();
        reply(smtp::Reply{535, "5.7.8", "Error: authentication failed: authorization identity not allowed"});
        return;
    }
    sasl_method_ = std::string(mech);
    auth::PasswordRequest req{c.authcid, c.password, peer_.address, "smtpd"};
    const std::string shown_user = printable(c.authcid, 100);
    waiting_ = true;
    pending_auth_ = auth::PasswordCheck::start(
        bufferevent_get_base(bev_), settings_.queue_directory, std::move(req),
        [this, shown_user](const auth::Verdict& v) { auth_done(v, shown_user); });
}

void Session::auth_done(const auth::Verdict& v, const std::string& shown_user) {
    sasl_.reset();
    const char* mech = sasl_method_.c_str();
    switch (v.kind) {
    case auth::Verdict::Kind::Ok:
        sasl_username_ = v.user;
        if (std::size_t i = 0; find_command("AUTH", i)) ++counts_[i].ok;
        reply(smtp::Reply{235, "2.7.0", "Authentication successful"});
        break;
    case auth::Verdict::Kind::Fail:
        log::warning("%s: SASL %s authentication failed: authentication failure, sasl_username=%s", client().c_str(),
                     mech, shown_user.c_str());
        reply(smtp::Reply{535, "5.7.8", "Error: authentication failed: authentication failure"});
        break;
    case auth::Verdict::Kind::Banned:
        log::warning("%s: SASL %s authentication refused: client banned after repeated failures", client().c_str(),
                     mech);
        reply(smtp::Reply{454, "4.7.0", "Error: too many failed logins from your address, try again later"});
        break;
    case auth::Verdict::Kind::TempFail:
        log::warning("%s: SASL %s authentication problem: %s", client().c_str(), mech, v.reason.c_str());
        reply(smtp::Reply{454, "4.7.0", "Temporary authentication failure"});
        break;
    }
    resume();
}

}  // namespace tern::smtpd
