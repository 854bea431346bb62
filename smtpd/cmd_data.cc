// DATA (RFC 5321 4.1.1.4): the envelope and the Received header go to the
// queue file at once, then the message streams into the QueueWriter as it
// arrives (never held whole in memory). The 250 is sent only after
// QueueWriter::commit() has returned (DESIGN.md invariant 1).
#include <event2/buffer.h>

#include <sys/time.h>

#include "libmail/authres/authentication_results.h"
#include "libmail/authres/quarantine.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/ipc/attr_channel.h"
#include "smtpd/received.h"
#include "smtpd/session.h"

namespace tern::smtpd {

Step Session::cmd_data(std::string_view args) {
    if (state_ == State::Chunk) {  // RFC 3030 2: one transaction uses DATA or BDAT, not both
        reply(smtp::Reply{503, "5.5.1", "Error: DATA after BDAT"});
        return Step::Continue;
    }
    if (!trim(args).empty()) {
        reply(smtp::Reply{501, "5.5.4", "Syntax: DATA"});
        return Step::Continue;
    }
    if (auto rejected = data_restrictions()) {
        reply(*rejected, "DATA");
        return Step::Continue;
    }
    if (!begin_message()) return Step::Continue;
    state_ = State::Data;
    reply(smtp::Reply{354, "", "End data with <CR><LF>.<CR><LF>"});
    return Step::Continue;
}

// Writes the envelope and the Received header into the queue file. On a
// write error the transaction is dropped and the client told 451.
bool Session::begin_message() {
    timeval now{};
    ::gettimeofday(&now, nullptr);
    queue::Envelope env;
    env.arrival_sec = now.tv_sec;
    env.arrival_usec = static_cast<std::int32_t>(now.tv_usec);
    env.sender = tx_->sender;
    env.recipients = tx_->recipients;
    env.attrs = {{"client_address", peer_.address}, {"client_name", names_.name}, {"helo_name", helo_},
                 {"protocol", protocol()}};
    // No "size" attribute: the envelope precedes the content and is written
    // once, so the real size is unknown here; readers use QueueFile::content_bytes.
    if (tx_->params.body == smtp::BodyType::EightBitMime) env.attrs.emplace_back("body", "8BITMIME");
    if (tx_->params.smtputf8) env.attrs.emplace_back("smtputf8", "yes");
    // RFC 3461: RET and ENVID travel with the message for the DSN code.
    if (tx_->params.ret == smtp::DsnRet::Full) env.attrs.emplace_back("ret", "FULL");
    if (tx_->params.ret == smtp::DsnRet::Headers) env.attrs.emplace_back("ret", "HDRS");
    if (!tx_->params.envid.empty()) env.attrs.emplace_back("envid", tx_->params.envid);
    if (!sasl_username_.empty()) env.attrs.emplace_back("sasl_username", sasl_username_);

    ReceivedInfo ri;
    ri.helo = helo_;
    ri.client_name = names_.name;
    ri.client_addr = peer_.address;
    ri.myhostname = settings_.myhostname;
    ri.mail_name = settings_.mail_name;
    ri.protocol = protocol();
    ri.queue_id = tx_->queue_id();
    if (tx_->recipients.size() == 1) ri.rcpt = tx_->recipients.front().address;
    if (settings_.tls_received_header) ri.tls = tls_info_;
    ri.hide_client = settings_.hide_client_address;
    ri.when = now.tv_sec;
    const std::string received = received_header(ri);

    cleanup::CleanupOptions o;
    o.header_checks = server_.header_checks();
    // Submission (RFC 6409 8.2, 8.3): a message from a logged-in user gets a
    // Message-ID and a Date when it has none; relayed mail is left as it came.
    o.add_missing_headers = !sasl_username_.empty() || settings_.always_add_missing_headers;
    o.myhostname = settings_.myhostname;
    o.header_size_limit = settings_.header_size_limit;
    o.header_section_size_limit = settings_.header_section_size_limit;
    o.log = cleanup::LogContext{client(), protocol(), helo_};
    o.now = now.tv_sec;
    // Only Tern writes these: a forged verdict or quarantine mark never passes.
    if (const auto* sa = server_.sender_auth())
        o.drop_header = [id = sa->authserv_id](std::string_view field) {
            return authres::claims_authserv_id(field, id) || authres::is_quarantine_field(field);
        };
    else
        o.drop_header = [](std::string_view field) { return authres::is_quarantine_field(field); };
    tx_->cleanup = std::make_unique<cleanup::Cleanup>(std::move(o), *tx_->writer);
    if (tx_->auth) tx_->cleanup->add_observer(tx_->auth.get());
    if (signing_applies()) {
        tx_->signer = std::make_unique<cleanup::SigningObserver>(*server_.signing());
        tx_->cleanup->add_observer(tx_->signer.get());
    }
    Result<void> w = tx_->cleanup->write_envelope(env);
    if (w) w = tx_->writer->write_content(received);
    if (!w) {
        log::warning("%s: queue file write error: %s", tx_->queue_id().c_str(), w.error().message.c_str());
        reset_transaction();
        state_ = idle_state();
        reply(smtp::Reply{451, "4.3.0", "Error: queue file write error"});
        return false;
    }
    tx_->message_bytes = received.size();
    return true;
}

// After an error or past the limit the rest is read and dropped, so the
// client's next command is found where it expects (RFC 5321 4.2.5).
void Session::store_content(std::string_view content) {
    tx_->message_bytes += content.size();
    const auto limit = settings_.message_size_limit;
    if (limit > 0 && tx_->message_bytes > static_cast<std::uint64_t>(limit)) tx_->too_big = true;
    // After a reject, discard or write error cleanup needs no more content.
    if (tx_->too_big || tx_->cleanup->decided() || content.empty()) return;
    tx_->cleanup->feed(content);
}

// Returns false when the input buffer is exhausted before the end of data.
bool Session::read_data() {
    evbuffer* in = bufferevent_get_input(bev_);
    const std::size_t avail = evbuffer_get_length(in);
    if (avail == 0) return false;
    std::string raw(std::min(avail, kDataChunkBytes), '\0');
    const auto got = evbuffer_copyout(in, raw.data(), raw.size());
    if (got <= 0) return false;
    raw.resize(static_cast<std::size_t>(got));
    std::string content;
    const std::size_t used = tx_->data.feed(raw, content);
    evbuffer_drain(in, used);
    store_content(content);
    if (tx_->data.done()) finish_message("DATA");
    return true;
}

// Commits the message and answers for it; the command named by verb (DATA,
// BDAT) is counted as successful in the disconnect line.
void Session::finish_message(std::string_view verb) {
    state_ = idle_state();
    auto tx = std::move(tx_);
    if (tx->too_big) {
        tx->writer->abort();
        reply(smtp::Reply{552, "5.3.4", "Message size exceeds fixed limit"});
        return;
    }
    tx->cleanup->end_content();
    if (tx->signer) tx->signer->apply(*tx->cleanup, tx->queue_id(), std::time(nullptr));
    if (tx->auth) {
        // SPF, DKIM keys and DMARC may still be in DNS: the reply waits.
        waiting_ = true;
        authres::SenderAuth* auth = tx->auth.get();
        pending_tx_ = std::move(tx);
        const std::string v(verb);
        auth->finish([this, v](const authres::AuthVerdict& verdict) {
            auto t = std::move(pending_tx_);
            log::info("%s: %s", t->queue_id().c_str(), verdict.summary.c_str());
            t->cleanup->prepend(verdict.prepend);
            if (verdict.refuse) t->cleanup->refuse(cleanup::Action::Reject, *verdict.refuse);
            else if (verdict.hold) t->cleanup->hold("DMARC policy");
            if (commit_message(v, std::move(t))) resume();
        });
        return;
    }
    commit_message(verb, std::move(tx));
}

// The durable commit (into incoming/, or hold/ for HOLD) runs on the commit
// pool; the reply waits for it (DESIGN.md invariant 1), and so does whatever
// the client sent after the message.
bool Session::commit_message(std::string_view verb, std::unique_ptr<Transaction> tx) {
    if (!server_.commit_pool()) {
        answer_message(verb, tx->cleanup->finish());
        return true;
    }
    waiting_ = true;
    std::shared_ptr<Transaction> owned(std::move(tx));
    auto verdict = std::make_shared<cleanup::Verdict>();
    std::weak_ptr<int> alive = alive_;
    server_.commit_pool()->submit([owned, verdict] { *verdict = owned->cleanup->finish(); },
                                 [this, alive, owned, verdict, v = std::string(verb)] {
                                     if (alive.expired()) return;  // the client is gone; the message is not
                                     answer_message(v, *verdict);
                                     resume();
                                 });
    return false;
}

void Session::answer_message(std::string_view verb, const cleanup::Verdict& v) {
    std::size_t index = 0;
    find_command(verb, index);
    reply(v.reply);
    if (v.reply.code >= 400) return;
    ++counts_[index].ok;
    if (v.action == cleanup::Action::Accept && settings_.trigger_qmgr)
        server_.new_mail_trigger().fire();
}

}  // namespace tern::smtpd
