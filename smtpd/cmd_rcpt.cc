// RCPT TO (RFC 5321 4.1.1.3): syntax, smtpd_recipient_limit, then the policy
// (local domain and known user, or a client/domain we relay for). The queue
// file is created at the first accepted recipient, when the queue ID is logged.
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/smtp/esmtp_params.h"
#include "libmail/smtp/path.h"
#include "smtpd/session.h"

namespace tern::smtpd {

Step Session::cmd_rcpt(std::string_view args) {
    if (!istarts_with(args, "TO:")) {
        reply(smtp::Reply{501, "5.5.4", "Syntax: RCPT TO:<address>"});
        return Step::Continue;
    }
    auto path = smtp::parse_path(args.substr(3), smtp::PathRole::Recipient);
    if (!path) {
        reply(path.error());
        return Step::Continue;
    }
    auto params = smtp::parse_rcpt_params(path->params);
    if (!params) {
        reply(params.error());
        return Step::Continue;
    }
    if (path->path.utf8 && !tx_->params.smtputf8) {
        reply(smtp::Reply{553, "5.6.7", "Must declare SMTPUTF8 to send unicode address"});
        return Step::Continue;
    }
    if (tx_->recipients.size() >= static_cast<std::size_t>(settings_.smtpd_recipient_limit)) {
        reply(smtp::Reply{452, "4.5.3", "Error: too many recipients"});
        return Step::Continue;
    }
    if (auto rejected = policy_.check_recipient(path->path, peer_.address)) {
        reply(*rejected, "RCPT", path->path.address);
        return Step::Continue;
    }
    if (!tx_->writer) {
        auto w = queue::QueueWriter::create(settings_.queue_directory);
        if (!w) {
            log::warning("create queue file: %s", w.error().message.c_str());
            reply(smtp::Reply{451, "4.3.0", "Error: queue file write error"});
            return Step::Continue;
        }
        tx_->writer.emplace(std::move(*w));
        if (sasl_username_.empty()) {
            log::info("%s: client=%s", tx_->queue_id().c_str(), client().c_str());
        } else {  // Postfix's shape, which log analysers read
            log::info("%s: client=%s, sasl_method=%s, sasl_username=%s", tx_->queue_id().c_str(),
                      client().c_str(), sasl_method_.c_str(), printable(sasl_username_, 100).c_str());
        }
    }
    // <Postmaster> alone (RFC 5321 4.5.1) is this host's postmaster, as Postfix qualifies it.
    if (path->path.domain.empty()) path->path.address += "@" + settings_.myhostname;
    tx_->recipients.push_back(
        queue::Recipient{.address = std::move(path->path.address), .orcpt = params->orcpt, .notify = params->notify});
    state_ = State::Rcpt;
    reply(smtp::Reply{250, "2.1.5", "Ok"});
    return Step::Continue;
}

}  // namespace tern::smtpd
