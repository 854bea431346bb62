// MAIL FROM (RFC 5321 4.1.1.2) with SIZE (RFC 1870), BODY (RFC 6152),
// SMTPUTF8 (RFC 6531), RET and ENVID (RFC 3461).
#include "libmail/core/text.h"
#include "libmail/smtp/esmtp_params.h"
#include "libmail/smtp/path.h"
#include "smtpd/session.h"

namespace tern::smtpd {

Step Session::cmd_mail(std::string_view args) {
    if (settings_.smtpd_helo_required && helo_.empty()) {
        reply(smtp::Reply{503, "5.5.1", "Error: send HELO/EHLO first"});
        return Step::Continue;
    }
    // smtpd_tls_security_level = encrypt (RFC 3207 4): nothing before STARTTLS.
    if (settings_.tls_level == Settings::TlsLevel::Encrypt && !tls_active_) {
        reply(smtp::Reply{530, "5.7.0", "Must issue a STARTTLS command first"}, "MAIL");
        return Step::Continue;
    }
    // Submission (RFC 6409 4.3): a MAIL before AUTH is refused.
    if (settings_.sasl_auth_required && sasl_username_.empty()) {
        reply(smtp::Reply{530, "5.7.0", "Authentication required"}, "MAIL");
        return Step::Continue;
    }
    if (!istarts_with(args, "FROM:")) {
        reply(smtp::Reply{501, "5.5.4", "Syntax: MAIL FROM:<address>"});
        return Step::Continue;
    }
    auto path = smtp::parse_path(args.substr(5), smtp::PathRole::Sender);
    if (!path) {
        reply(path.error());
        return Step::Continue;
    }
    if (!path->params.empty() && !esmtp_) {  // RFC 1869: parameters only after EHLO
        reply(smtp::Reply{555, "5.5.4", "Unsupported option: " + printable(path->params, 64)});
        return Step::Continue;
    }
    auto params = smtp::parse_mail_params(path->params);
    if (!params) {
        reply(params.error());
        return Step::Continue;
    }
    // RFC 6531 3.4: a UTF-8 address only in a transaction declared SMTPUTF8.
    if (path->path.utf8 && !params->smtputf8) {
        reply(smtp::Reply{553, "5.6.7", "Must declare SMTPUTF8 to send unicode address"});
        return Step::Continue;
    }
    const auto limit = settings_.message_size_limit;
    if (limit > 0 && params->size && *params->size > static_cast<std::uint64_t>(limit)) {
        tx_ = std::make_unique<Transaction>();
        tx_->sender = path->path.address;
        reply(smtp::Reply{552, "5.3.4", "Message size exceeds fixed limit"}, "MAIL");
        tx_.reset();
        return Step::Continue;
    }
    tx_ = std::make_unique<Transaction>();
    tx_->sender = std::move(path->path.address);
    tx_->params = *params;
    state_ = State::Mail;
    reply(smtp::Reply{250, "2.1.0", "Ok"});
    return Step::Continue;
}

}  // namespace tern::smtpd
