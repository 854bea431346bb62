// MAIL FROM (RFC 5321 4.1.1.2) with SIZE (RFC 1870), BODY (RFC 6152),
// SMTPUTF8 (RFC 6531), RET and ENVID (RFC 3461).
#include <sys/statvfs.h>

#include "libmail/core/log.h"
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
    // Postfix's queue_minfree: refuse new mail before the queue file system
    // is full, so that nothing already accepted is hurt by a full disk.
    if (const auto need = free_space_needed(); need > 0) {
        struct statvfs fs{};
        if (::statvfs(settings_.queue_directory.c_str(), &fs) == 0) {
            const std::uint64_t avail = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
            if (avail < need) {
                log::warning("not enough free space in mail queue: %llu bytes < %llu bytes",
                             static_cast<unsigned long long>(avail), static_cast<unsigned long long>(need));
                reply(smtp::Reply{452, "4.3.1", "Insufficient system storage"}, "MAIL");
                return Step::Continue;
            }
        }
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
    tx_->sender = path->path.address;
    tx_->sender_path = std::move(path->path);
    tx_->params = *params;
    if (sasl_username_.empty()) {
        finish_mail(auth::RateVerdict{auth::RateVerdict::Kind::Ok, {}});
        return Step::Suspend;
    }
    // smtpd_user_message_rate_limit: authd counts the messages of each user,
    // across every smtpd process and port.
    waiting_ = true;
    pending_count_ = auth::MessageCount::start(server_.authd(), sasl_username_, [this](const auth::RateVerdict& v) {
        if (finish_mail(v)) resume();
    });
    return Step::Suspend;
}

std::uint64_t Session::free_space_needed() const {
    if (settings_.queue_minfree > 0) return settings_.queue_minfree;
    return static_cast<std::uint64_t>(settings_.message_size_limit) * 3 / 2;
}

// SPF, DKIM and DMARC judge mail from outside; mail from logged-in users and
// mynetworks is signed instead (as OpenDKIM/OpenDMARC with their usual
// InternalHosts and authenticated-client settings).
bool Session::checks_apply() const {
    const auto* sa = server_.sender_auth();
    return sa && sa->any() && server_.resolver() && sasl_username_.empty() && !policy_.in_mynetworks(peer_.address);
}

bool Session::signing_applies() const {
    return server_.signing() && (!sasl_username_.empty() || policy_.in_mynetworks(peer_.address));
}

// The end of MAIL, once authd has counted the message (or was not asked).
bool Session::finish_mail(const auth::RateVerdict& v) {
    if (v.kind == auth::RateVerdict::Kind::Exceeded) {
        log::warning("%s: message rate limit exceeded for sasl_username=%s", client().c_str(),
                     printable(sasl_username_, 100).c_str());
        reply(smtp::Reply{450, "4.7.1", "Error: too many messages from " + printable(sasl_username_, 100) +
                                            ", try again later"}, "MAIL");
        tx_.reset();
        return true;
    }
    if (v.kind == auth::RateVerdict::Kind::TempFail)  // authd unreachable: mail still flows, as with Postfix's anvil
        log::warning("%s: message rate not counted: %s", client().c_str(), v.reason.c_str());
    if (checks_apply()) {
        // SPF starts now; the reply waits for it only when an spf_*_action may refuse.
        tx_->auth = std::make_unique<authres::SenderAuth>(*server_.sender_auth(), bufferevent_get_base(bev_),
                                                          *server_.resolver(), peer_.address, helo_, tx_->sender);
        waiting_ = true;
        tx_->auth->start([this](std::optional<smtp::Reply> refused) {
            accept_mail(refused);
            resume();
        });
        return false;
    }
    accept_mail(std::nullopt);
    return true;
}

void Session::accept_mail(const std::optional<smtp::Reply>& refused) {
    if (refused) {
        reply(*refused, "MAIL");
        tx_.reset();
        return;
    }
    state_ = State::Mail;
    if (std::size_t i = 0; find_command("MAIL", i)) ++counts_[i].ok;
    reply(smtp::Reply{250, "2.1.0", "Ok"});
}

}  // namespace tern::smtpd
