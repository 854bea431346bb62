// RCPT TO (RFC 5321 4.1.1.3): syntax, parameters, smtpd_recipient_limit, then
// the restriction lists in Postfix's order (client, HELO, sender, relay,
// recipient), which may wait for DNS. The queue file is created at the first
// accepted recipient, when the queue ID is logged, as Postfix does.
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
    pending_path_ = path->path;
    pending_rcpt_ = queue::Recipient{.address = path->path.address, .orcpt = params->orcpt, .notify = params->notify};
    Facts f = facts();
    f.recipient = path->path;
    return check(std::move(f), {Stage::Client, Stage::Helo, Stage::Sender, Stage::Relay, Stage::Recipient},
                 &Session::finish_rcpt);
}

Facts Session::facts() const {
    Facts f;
    f.client_address = peer_.address;
    f.client_name = names_.name;
    f.reverse_client_name = names_.reverse_name;
    f.client_name_status = names_.name_status;
    f.reverse_client_name_status = names_.reverse_status;
    f.helo = helo_;
    if (tx_) f.sender = tx_->sender_path;
    f.sasl_username = sasl_username_;
    return f;
}

Step Session::check(Facts f, std::vector<Stage> stages, void (Session::*then)(const Decision&)) {
    then_ = then;
    eval_ = std::make_unique<Evaluation>(server_.restrictions(), policy_, server_.resolver(), std::move(f),
                                         std::move(stages), [this](const Decision& d) {
                                             decided_ = d;
                                             event_active(decided_ev_.get(), EV_TIMEOUT, 1);
                                         });
    if (auto d = eval_->run()) {
        eval_.reset();
        (this->*then)(*d);
    } else {
        waiting_ = true;
    }
    return Step::Suspend;  // then_ counts the command when it succeeds
}

void Session::on_decided(evutil_socket_t, short, void* ctx) noexcept {
    auto* self = static_cast<Session*>(ctx);
    self->eval_.reset();  // off the resolver's call stack now
    if (!self->decided_ || self->closing_) return;
    const Decision d = *self->decided_;
    self->decided_.reset();
    self->waiting_ = false;
    (self->*self->then_)(d);
    if (!self->waiting_) self->resume();  // then_ may have started another lookup
}

void Session::finish_rcpt(const Decision& d) {
    if (d.reject) {
        reply(*d.reject, "RCPT", pending_path_.address);
        return;
    }
    // A mailbox whose account is disabled (tern user disable) takes no mail:
    // say so now rather than bounce later. authd knows; local checks again.
    if (settings_.account_checks && !pending_path_.domain.empty() && policy_.is_virtual_domain(pending_path_.domain)) {
        waiting_ = true;
        pending_account_ = auth::AccountCheck::start(
            server_.authd(), &server_.account_cache(), pending_path_.local_part + "@" + to_lower(pending_path_.domain), [this](const auth::AccountVerdict& v) {
                waiting_ = false;
                if (v.kind == auth::AccountVerdict::Kind::Disabled) {
                    reply(smtp::Reply{550, "5.2.1", "<" + pending_path_.address + ">: Recipient address rejected: "
                                                    "mailbox disabled"}, "RCPT", pending_path_.address);
                } else {
                    if (v.kind == auth::AccountVerdict::Kind::TempFail)
                        log::warning("account check of %s: %s", printable(pending_path_.address).c_str(),
                                     v.reason.c_str());
                    accept_rcpt();
                }
                resume();
            });
        return;
    }
    accept_rcpt();
}

void Session::accept_rcpt() {
    if (!tx_->writer) {
        auto w = queue::QueueWriter::create(settings_.queue_directory);
        if (!w) {
            log::warning("create queue file: %s", w.error().message.c_str());
            reply(smtp::Reply{451, "4.3.0", "Error: queue file write error"});
            return;
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
    if (pending_path_.domain.empty()) pending_rcpt_.address += "@" + settings_.myhostname;
    tx_->recipients.push_back(std::move(pending_rcpt_));
    state_ = State::Rcpt;
    if (std::size_t i = 0; find_command("RCPT", i)) ++counts_[i].ok;
    reply(smtp::Reply{250, "2.1.5", "Ok"});
}

// smtpd_data_restrictions at DATA or the first BDAT; never DNS (see
// Restrictions::parse), so the answer is immediate.
std::optional<smtp::Reply> Session::data_restrictions() {
    Evaluation e(server_.restrictions(), policy_, nullptr, facts(), {Stage::Data}, [](const Decision&) {});
    auto d = e.run();
    return d ? d->reject : std::nullopt;
}

}  // namespace tern::smtpd
