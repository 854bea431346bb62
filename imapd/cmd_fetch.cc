// FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8). Fetching BODY[...], RFC822 or
// RFC822.TEXT sets \Seen unless the item is PEEK or the mailbox was opened
// with EXAMINE; the changed FLAGS are then sent with the same response.
#include <event2/buffer.h>

#include <optional>

#include "imapd/bodystructure.h"
#include "imapd/envelope.h"
#include "imapd/fetch_atts.h"
#include "imapd/flags.h"
#include "imapd/session.h"
#include "libmail/core/log.h"
#include "libmail/mime/structure.h"

namespace tern::imapd {

void Session::fetch(const std::string& tag, Parser& p, bool uid) {
    auto set = p.space() ? p.sequence_set() : std::nullopt;
    if (!set || !p.space()) return bad(tag, "Syntax: FETCH sequence-set items");
    auto atts = parse_fetch_atts(p);
    if (!atts || !p.at_end()) return bad(tag, "Syntax: FETCH sequence-set items");
    auto seqs = resolve(*set, uid);
    if (!seqs) return bad(tag, "Invalid message sequence number");

    auto job = std::make_unique<FetchJob>();
    job->tag = tag;
    job->uid = uid;
    job->seqs = std::move(*seqs);
    for (const auto& a : *atts) {
        job->need_message = job->need_message || needs_message(a);
        job->mark_seen = job->mark_seen || (sets_seen(a) && !read_only_);
        job->has_uid = job->has_uid || a.kind == FetchKind::Uid;
        job->has_flags = job->has_flags || a.kind == FetchKind::Flags;
    }
    job->atts = std::move(*atts);
    fetch_job_ = std::move(job);
    continue_fetch();
}

// Sends messages until done or until the client has too much unread; then
// input stays off and on_write calls this again as the output drains.
void Session::continue_fetch() {
    FetchJob& job = *fetch_job_;
    while (job.next < job.seqs.size()) {
        if (bev_ && evbuffer_get_length(bufferevent_get_output(bev_.get())) >= kFetchOutputHighWater) {
            if (!job.paused) {
                job.paused = true;
                suspend();
            }
            return;
        }
        fetch_one(job, job.seqs[job.next++]);
    }
    const bool was_paused = job.paused;
    if (job.unknown_cte)
        tagged(job.tag, "NO [UNKNOWN-CTE] A part has a content transfer encoding the server cannot decode");
    else if (job.failed)
        tagged(job.tag, "NO [UNAVAILABLE] Some messages could not be read");
    else
        tagged(job.tag, std::string(job.uid ? "OK UID FETCH" : "OK FETCH") + " completed");
    fetch_job_.reset();
    if (was_paused) resume();  // from on_write: commands that waited run now
}

void Session::fetch_one(FetchJob& job, std::uint32_t n) {
    const store::MessageInfo* m = info(n);
    if (!m) return;  // vanished behind our back; EXPUNGE comes at the next NOOP
    const std::uint32_t msg_uid = m->uid;
    std::string message;
    if (job.need_message) {
        auto r = mbox_->read_message(msg_uid, settings_.max_message_bytes);
        if (!r) {
            log::warning("fetch uid %u in %s: %s", msg_uid, mbox_->path().c_str(), r.error().message.c_str());
            job.failed = true;
            return;
        }
        message = std::move(*r);
    }
    bool flags_changed = false;
    if (job.mark_seen && !has_flag(m->flags, 'S')) {
        const auto letters = apply_flags(m->flags, StoreMode::Add, {"\\Seen"});
        if (auto r = mbox_->set_flags(msg_uid, letters); r) {
            flags_changed = true;
        } else {
            log::warning("set \\Seen on uid %u in %s: %s", msg_uid, mbox_->path().c_str(), r.error().message.c_str());
        }
        m = info(n);
        if (!m) return;
    }
    std::optional<mime::Structure> parsed;  // the MIME structure, parsed once when an item needs it
    auto structure = [&]() -> const mime::Structure& {
        if (!parsed) parsed = mime::parse_structure(message);
        return *parsed;
    };
    std::string out = "* " + std::to_string(n) + " FETCH (";
    auto item = [&](const std::string& text) {
        if (out.back() != '(') out += ' ';
        out += text;
    };
    // RFC 3501 6.4.8: UID FETCH always returns the UID.
    if (job.uid && !job.has_uid) item("UID " + std::to_string(msg_uid));
    for (const auto& a : job.atts) {
        switch (a.kind) {
        case FetchKind::Uid: item("UID " + std::to_string(msg_uid)); break;
        case FetchKind::Flags: item("FLAGS " + format_flags(m->flags)); break;
        case FetchKind::InternalDate: item("INTERNALDATE \"" + format_internaldate(m->internal_date) + "\""); break;
        case FetchKind::Rfc822Size: item("RFC822.SIZE " + std::to_string(m->size)); break;
        case FetchKind::Envelope: item("ENVELOPE " + envelope(header_block(message))); break;
        case FetchKind::Body: item("BODY " + body_structure(message, structure(), false)); break;
        case FetchKind::BodyStructure: item("BODYSTRUCTURE " + body_structure(message, structure(), true)); break;
        case FetchKind::Section:
        case FetchKind::Rfc822:
        case FetchKind::Rfc822Header:
        case FetchKind::Rfc822Text: {
            const std::string data = section_bytes(message, structure(), a);
            item(response_name(a) + " " + imap_literal(apply_partial(data, a)));
            break;
        }
        case FetchKind::Binary:
        case FetchKind::BinarySize: {
            auto data = binary_bytes(message, structure(), a);
            if (!data) {
                job.unknown_cte = true;  // RFC 3516 4.3: the command ends with NO [UNKNOWN-CTE]
                break;
            }
            if (a.kind == FetchKind::BinarySize) {
                item(response_name(a) + " " + std::to_string(data->size()));
            } else {
                // literal8 (~{n}) only when the content has a NUL, which a literal may not carry.
                const std::string_view part = apply_partial(*data, a);
                const bool nul = part.find('\0') != std::string_view::npos;
                item(response_name(a) + " " + (nul ? "~" : "") + imap_literal(part));
            }
            break;
        }
        }
    }
    if (flags_changed && !job.has_flags) item("FLAGS " + format_flags(m->flags));
    out += ")\r\n";
    send(out);
}

}  // namespace tern::imapd
