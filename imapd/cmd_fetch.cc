// FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8). Fetching BODY[...], RFC822 or
// RFC822.TEXT sets \Seen unless the item is PEEK or the mailbox was opened
// with EXAMINE; the changed FLAGS are then sent with the same response.
#include <event2/buffer.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

#include "imapd/bodystructure.h"
#include "imapd/envelope.h"
#include "imapd/fetch_atts.h"
#include "imapd/flags.h"
#include "imapd/session.h"
#include "imapd/uid_set.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/mime/structure.h"
#include "libmail/store/mailbox_index.h"
#include "libmail/store/object_ids.h"

namespace tern::imapd {

namespace {

// The parse-cache values of one message: at most one per field, few fields.
class CachedValues {
public:
    std::string* find(char field) {
        for (std::size_t i = 0; i < n_; ++i)
            if (fields_[i] == field) return &values_[i];
        return nullptr;
    }
    std::string& add(char field, std::string value) {
        fields_[n_] = field;
        values_[n_] = std::move(value);
        return values_[n_++];
    }

private:
    static constexpr std::size_t kMax = 5;  // ParseCache's fields
    std::size_t n_ = 0;
    std::array<char, kMax> fields_{};
    std::array<std::string, kMax> values_;
};

void append_number(std::string& out, std::uint64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

// RFC 7162 fetch-modifiers: " (CHANGEDSINCE n [VANISHED])" in any order.
bool parse_fetch_modifiers(Parser& p, std::uint64_t& changed_since, bool& vanished) {
    if (!p.space()) return true;
    if (!p.consume('(')) return false;
    while (true) {
        auto name = p.atom();
        if (!name) return false;
        if (iequals(*name, "CHANGEDSINCE")) {
            if (!p.space()) return false;
            auto v = parse_number<std::uint64_t>(p.take_while([](char c) { return c >= '0' && c <= '9'; }));
            if (!v || *v == 0 || *v > 9223372036854775807ULL) return false;
            changed_since = *v;
        } else if (iequals(*name, "VANISHED")) {
            vanished = true;
        } else {
            return false;
        }
        if (p.consume(')')) return true;
        if (!p.space()) return false;
    }
}

}  // namespace

void Session::fetch(const std::string& tag, Parser& p, bool uid) {
    constexpr const char* kSyntax = "Syntax: FETCH sequence-set items [(CHANGEDSINCE n [VANISHED])]";
    auto set = p.space() ? p.sequence_set() : std::nullopt;
    if (!set || !p.space()) return bad(tag, kSyntax);
    auto atts = parse_fetch_atts(p);
    std::uint64_t changed_since = 0;
    bool vanished = false;
    if (!atts || !parse_fetch_modifiers(p, changed_since, vanished) || !p.at_end()) return bad(tag, kSyntax);
    // RFC 7162 3.2.6: VANISHED only with UID FETCH, CHANGEDSINCE and QRESYNC on.
    if (vanished && (!uid || !qresync_ || changed_since == 0))
        return bad(tag, "VANISHED needs UID FETCH with CHANGEDSINCE after ENABLE QRESYNC");
    auto seqs = resolve(*set, uid);
    if (!seqs) return bad(tag, "Invalid message sequence number");

    auto job = std::make_unique<FetchJob>();
    job->tag = tag;
    job->uid = uid;
    job->seqs = std::move(*seqs);
    job->changed_since = changed_since;
    bool modseq = changed_since != 0;
    for (const auto& a : *atts) {
        job->need_message = job->need_message || needs_message(a);
        job->mark_seen = job->mark_seen || (sets_seen(a) && !read_only_);
        job->has_uid = job->has_uid || a.kind == FetchKind::Uid;
        job->has_flags = job->has_flags || a.kind == FetchKind::Flags;
        modseq = modseq || a.kind == FetchKind::Modseq;
        if (needs_message(a) && !cache_field(a.kind)) job->cacheable_only = false;
    }
    if (modseq) enable_condstore();
    // The folder's parse cache, read at the first FETCH of an item it keeps.
    if (!cache_ && mbox_ &&
        std::any_of(atts->begin(), atts->end(), [this](const FetchAtt& a) { return cache_field(a.kind) != 0; }))
        cache_.emplace(mbox_->path(), mbox_->uidvalidity(), seq_uids_);
    job->has_modseq = std::any_of(atts->begin(), atts->end(), [](const FetchAtt& a) { return a.kind == FetchKind::Modseq; });
    job->atts = std::move(*atts);
    if (vanished) {
        std::vector<std::uint32_t> present;
        present.reserve(mbox_->messages().size());
        for (const auto& m : mbox_->messages()) present.push_back(m.uid);
        const std::string gone = absent_uids(*set, present, mbox_->uidnext() - 1);
        if (!gone.empty()) untagged("VANISHED (EARLIER) " + gone);
    }
    if (job->mark_seen) mark_seen(*job);
    fetch_job_ = std::move(job);
    continue_fetch();
}

// The parse cache's field for an item, or 0 for items it does not keep.
// IMAP4rev2 sessions get RFC 2231 values decoded: their own fields.
char Session::cache_field(FetchKind kind) const {
    switch (kind) {
    case FetchKind::Envelope: return store::ParseCache::kEnvelope;
    case FetchKind::Body: return rev2_ ? store::ParseCache::kBody2 : store::ParseCache::kBody;
    case FetchKind::BodyStructure: return rev2_ ? store::ParseCache::kBodyStructure2 : store::ParseCache::kBodyStructure;
    default: return 0;
    }
}

// Sets \Seen on every message of the FETCH that lacks it, in one store
// change before the responses go out (each response then shows the flag).
void Session::mark_seen(FetchJob& job) {
    std::vector<std::uint32_t> unseen;
    for (auto n : job.seqs)
        if (const auto* m = info(n); m && !has_flag(m->flags, 'S') &&
                                     (job.changed_since == 0 || m->modseq > job.changed_since))
            unseen.push_back(m->uid);
    if (unseen.empty()) return;
    store::FlagChange seen;
    seen.op = store::FlagChange::Op::Add;
    seen.letters = "S";
    auto r = mbox_->change_flags(unseen, seen);
    if (!r) {
        log::warning("set \\Seen in %s: %s", mbox_->path().c_str(), r.error().message.c_str());
        return;
    }
    job.newly_seen = std::move(r->changed);
    std::sort(job.newly_seen.begin(), job.newly_seen.end());
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
    if (cache_) cache_->release();
    const bool was_paused = job.paused;
    if (job.unknown_cte)
        tagged(job.tag, "NO [UNKNOWN-CTE] A part has a content transfer encoding the server cannot decode");
    else if (job.failed)
        tagged(job.tag, "NO [UNAVAILABLE] Some messages could not be read");
    else if (job.expunged)  // RFC 2180 4.1.2, RFC 5530 EXPUNGEISSUED
        tagged(job.tag, "NO [EXPUNGEISSUED] Some of the requested messages no longer exist");
    else
        tagged(job.tag, std::string(job.uid ? "OK UID FETCH" : "OK FETCH") + " completed");
    fetch_job_.reset();
    if (was_paused) resume();  // from on_write: commands that waited run now
}

void Session::fetch_one(FetchJob& job, std::uint32_t n) {
    const store::MessageInfo* m = info(n);
    if (!m) return;  // vanished behind our back; EXPUNGE comes at the next NOOP
    if (job.changed_since != 0 && m->modseq <= job.changed_since) return;
    const std::uint32_t msg_uid = m->uid;
    // ENVELOPE, BODY and BODYSTRUCTURE come from the folder's parse cache
    // when it has them; the message is read only for what it does not have.
    CachedValues cached;
    bool all_cached = job.need_message && job.cacheable_only && cache_;
    if (all_cached) {
        for (const auto& a : job.atts) {
            const char field = cache_field(a.kind);
            if (!field || cached.find(field)) continue;
            auto v = cache_->get(msg_uid, field);
            if (!v) {
                all_cached = false;
                break;
            }
            cached.add(field, std::move(*v));
        }
    }
    std::string message;
    if (job.need_message && !all_cached) {
        auto r = mbox_->read_message(msg_uid, settings_.max_message_bytes);
        if (!r) {
            if (r.error().code == ENOENT) {  // expunged by another session; EXPUNGE follows at the next NOOP
                job.expunged = true;
                return;
            }
            log::warning("fetch uid %u in %s: %s", msg_uid, mbox_->path().c_str(), r.error().message.c_str());
            job.failed = true;
            return;
        }
        message = std::move(*r);
    }
    const bool flags_changed = std::binary_search(job.newly_seen.begin(), job.newly_seen.end(), msg_uid);
    std::optional<mime::Structure> parsed;  // the MIME structure, parsed once when an item needs it
    auto structure = [&]() -> const mime::Structure& {
        if (!parsed) parsed = mime::parse_structure(message);
        return *parsed;
    };
    std::string out;
    out.reserve(message.size() + 256);
    out += "* ";
    append_number(out, n);
    out += " FETCH (";
    auto item = [&](std::string_view text) {
        if (out.back() != '(') out += ' ';
        out += text;
    };
    // "NAME <number>" without a temporary string.
    auto number_item = [&](std::string_view name, std::uint64_t v) {
        if (out.back() != '(') out += ' ';
        out += name;
        out += ' ';
        append_number(out, v);
    };
    // RFC 3501 6.4.8: UID FETCH always returns the UID.
    if (job.uid && !job.has_uid) number_item("UID", msg_uid);
    for (const auto& a : job.atts) {
        switch (a.kind) {
        case FetchKind::Uid: number_item("UID", msg_uid); break;
        case FetchKind::Flags:
            item("FLAGS");
            out += ' ';
            out += format_flags(m->flags, m->keywords);
            break;
        case FetchKind::Modseq: item("MODSEQ (" + std::to_string(m->modseq) + ")"); break;
        case FetchKind::EmailId:
            item("EMAILID (" + store::email_id(store::split_maildir_name(std::string_view(m->filename).substr(4)).base) + ")");
            break;
        case FetchKind::ThreadId: item("THREADID NIL"); break;
        case FetchKind::InternalDate: item("INTERNALDATE \"" + format_internaldate(m->internal_date) + "\""); break;
        case FetchKind::Rfc822Size: number_item("RFC822.SIZE", m->size); break;
        case FetchKind::Envelope:
        case FetchKind::Body:
        case FetchKind::BodyStructure: {
            const char field = cache_field(a.kind);
            const std::string* value = cached.find(field);
            if (!value) {
                std::string v = a.kind == FetchKind::Envelope
                                    ? envelope(header_block(message))
                                    : body_structure(message, structure(), a.kind == FetchKind::BodyStructure, rev2_);
                if (cache_) cache_->put(msg_uid, field, v);
                value = &cached.add(field, std::move(v));
            }
            item(response_name(a));
            out += ' ';
            out += *value;
            break;
        }
        case FetchKind::Section:
        case FetchKind::Rfc822:
        case FetchKind::Rfc822Header:
        case FetchKind::Rfc822Text: {
            // The whole message needs no MIME parse and no copy.
            if (whole_message(a)) {
                const std::string_view data = apply_partial(message, a);
                item(response_name(a));
                out += " {";
                append_number(out, data.size());
                out += "}\r\n";
                out += data;
                break;
            }
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
    if (flags_changed && !job.has_flags) item("FLAGS " + format_flags(m->flags, m->keywords));
    // RFC 7162 3.2.4: with CONDSTORE on, FLAGS always travel with MODSEQ;
    // CHANGEDSINCE implies MODSEQ too.
    if (!job.has_modseq && condstore_ && (job.has_flags || flags_changed || job.changed_since != 0))
        item("MODSEQ (" + std::to_string(m->modseq) + ")");
    out += ")\r\n";
    send(out);
}

}  // namespace tern::imapd
