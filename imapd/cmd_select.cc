// The selected state: SELECT, EXAMINE, CHECK, CLOSE, UNSELECT, EXPUNGE, and
// keeping the client's sequence numbers in step with the Maildir.
#include <algorithm>
#include <unordered_map>

#include "imapd/flags.h"
#include "imapd/session.h"
#include "imapd/uid_set.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/store/folders.h"
#include "libmail/store/object_ids.h"

namespace tern::imapd {

bool Session::mailbox_exists(const std::string& name, std::string& canonical) const {
    return store::folder_exists(maildir_root_, name, canonical);
}

const store::MessageInfo* Session::info(std::uint32_t seq) const {
    if (!mbox_ || seq == 0 || seq > seq_uids_.size()) return nullptr;
    const long i = mbox_->find(seq_uids_[seq - 1]);
    if (i < 0) return nullptr;
    return &mbox_->messages()[static_cast<std::size_t>(i)];
}

std::optional<std::vector<std::uint32_t>> Session::resolve(const SequenceSet& set, bool uid) const {
    if (is_saved_result(set)) return saved_result_seqs();  // "$" (RFC 5182)
    std::vector<std::uint32_t> out;
    const auto count = static_cast<std::uint32_t>(seq_uids_.size());
    if (!uid) {
        for (const auto& r : set)
            if (r.lo > count || r.hi > count) return std::nullopt;
        for (std::uint32_t n = 1; n <= count; ++n)
            if (seq_contains(set, n, count)) out.push_back(n);
        return out;
    }
    const std::uint32_t star = seq_uids_.empty() ? 0 : seq_uids_.back();
    for (std::uint32_t n = 1; n <= count; ++n)
        if (seq_contains(set, seq_uids_[n - 1], star)) out.push_back(n);
    return out;
}

void Session::deselect() {
    cache_.reset();
    mbox_.reset();
    seq_uids_.clear();
    search_result_.clear();  // RFC 5182 2.1: "$" is empty after SELECT, EXAMINE, CLOSE, UNSELECT
    read_only_ = false;
    if (state_ == State::Selected) state_ = State::Authenticated;
}

std::string Session::flags_response(std::uint32_t seq, const store::MessageInfo& m, bool with_uid) const {
    std::string out = std::to_string(seq) + " FETCH (";
    // RFC 7162 3.2.4 and RFC 9051 7.5.2: unsolicited FETCH carries the UID.
    if (with_uid || qresync_ || rev2_) out += "UID " + std::to_string(m.uid) + " ";
    out += "FLAGS " + format_flags(m.flags, m.keywords);
    if (condstore_) out += " MODSEQ (" + std::to_string(m.modseq) + ")";
    return out + ")";
}

void Session::enable_condstore() {
    if (condstore_) return;
    condstore_ = true;
    if (mbox_) untagged("OK [HIGHESTMODSEQ " + std::to_string(mbox_->highestmodseq()) + "] Highest");
}

void Session::forget_messages(const std::vector<std::uint32_t>& uids) {
    std::vector<std::uint32_t> gone;
    // Descending, so that each EXPUNGE's number is still valid when the client reads it.
    for (std::size_t i = seq_uids_.size(); i-- > 0;) {
        if (!std::binary_search(uids.begin(), uids.end(), seq_uids_[i])) continue;
        if (!qresync_) untagged(std::to_string(i + 1) + " EXPUNGE");
        gone.push_back(seq_uids_[i]);
        seq_uids_.erase(seq_uids_.begin() + static_cast<long>(i));
    }
    if (qresync_ && !gone.empty()) {
        std::reverse(gone.begin(), gone.end());
        untagged("VANISHED " + format_uid_set(gone));
    }
}

void Session::report_changes(bool allow_expunge) {
    if (!mbox_) return;
    // Flags other sessions (or mutt on the files) changed are reported too.
    std::unordered_map<std::uint32_t, std::uint64_t> before;
    for (std::uint32_t n = 1; n <= seq_uids_.size(); ++n)
        if (const auto* m = info(n)) before.emplace(m->uid, m->modseq);
    if (auto r = mbox_->sync(); !r) {
        log::warning("sync %s: %s", mbox_->path().c_str(), r.error().message.c_str());
        return;
    }
    // RFC 9051 7.5.1: no EXPUNGE during FETCH, STORE or SEARCH; vanished
    // messages stay in the view (FETCH skips them) until then.
    if (allow_expunge) {
        std::vector<std::uint32_t> vanished;
        for (auto uid : seq_uids_)
            if (mbox_->find(uid) < 0) vanished.push_back(uid);
        forget_messages(vanished);
    }
    for (std::uint32_t n = 1; n <= seq_uids_.size(); ++n) {
        const auto* m = info(n);
        if (!m) continue;
        const auto it = before.find(m->uid);
        if (it != before.end() && it->second != m->modseq) untagged(flags_response(n, *m, false));
    }
    const std::uint32_t last = seq_uids_.empty() ? 0 : seq_uids_.back();
    const std::size_t count = seq_uids_.size();
    for (const auto& m : mbox_->messages())
        if (m.uid > last) seq_uids_.push_back(m.uid);
    if (seq_uids_.size() != count) untagged(std::to_string(seq_uids_.size()) + " EXISTS");
}

void Session::cmd_select(const std::string& tag, Parser& p) { select(tag, p, false); }
void Session::cmd_examine(const std::string& tag, Parser& p) { select(tag, p, true); }

namespace {

// SELECT's optional parameters (RFC 7162 3.1.8, 3.2.5).
struct SelectParams {
    bool condstore = false;
    bool qresync = false;
    std::uint32_t uidvalidity = 0;
    std::uint64_t modseq = 0;
    std::optional<SequenceSet> known_uids;
};

std::optional<std::uint64_t> mod_sequence(Parser& p) {
    auto digits = p.take_while([](char c) { return c >= '0' && c <= '9'; });
    auto v = parse_number<std::uint64_t>(digits);
    if (!v || *v > 9223372036854775807ULL) return std::nullopt;  // mod-sequence-value: 63 bits
    return v;
}

bool parse_select_params(Parser& p, SelectParams& out) {
    if (!p.consume('(')) return false;
    while (true) {
        auto name = p.atom();
        if (!name) return false;
        if (iequals(*name, "CONDSTORE")) {
            out.condstore = true;
        } else if (iequals(*name, "QRESYNC")) {
            // QRESYNC (uidvalidity mod-sequence [known-uids [(seq-set uid-set)]])
            if (!p.space() || !p.consume('(')) return false;
            auto uv = p.number();
            if (!uv || *uv == 0 || !p.space()) return false;
            auto ms = mod_sequence(p);
            if (!ms || *ms == 0) return false;
            out.qresync = true;
            out.uidvalidity = *uv;
            out.modseq = *ms;
            if (p.space() && !p.peek('(')) {
                out.known_uids = p.sequence_set();
                if (!out.known_uids) return false;
                p.space();
            }
            if (p.consume('(')) {  // the sequence match data: a hint we do not need
                if (!p.sequence_set() || !p.space() || !p.sequence_set() || !p.consume(')')) return false;
            }
            if (!p.consume(')')) return false;
        } else {
            return false;
        }
        if (p.consume(')')) return true;
        if (!p.space()) return false;
    }
}

}  // namespace

void Session::qresync_report(const SequenceSet* known_uids, std::uint64_t since) {
    // VANISHED (EARLIER): the known UIDs that are no longer here. Without a
    // history of expunges that is every absent UID below UIDNEXT, which
    // RFC 7162 3.2.5.2 allows.
    std::vector<std::uint32_t> present;
    present.reserve(mbox_->messages().size());
    for (const auto& m : mbox_->messages()) present.push_back(m.uid);
    const SequenceSet all{SeqRange{1, 0}};
    const std::string gone = absent_uids(known_uids ? *known_uids : all, present, mbox_->uidnext() - 1);
    if (!gone.empty()) untagged("VANISHED (EARLIER) " + gone);
    for (std::uint32_t n = 1; n <= seq_uids_.size(); ++n)
        if (const auto* m = info(n); m && m->modseq > since) untagged(flags_response(n, *m, true));
}

void Session::select(const std::string& tag, Parser& p, bool read_only) {
    const char* verb = read_only ? "EXAMINE" : "SELECT";
    const std::string syntax = std::string("Syntax: ") + verb + " mailbox [(CONDSTORE | QRESYNC (...))]";
    // RFC 7162 3.2.11: leaving a mailbox for another one is announced.
    if (state_ == State::Selected) untagged("OK [CLOSED] Previous mailbox closed");
    // RFC 9051 6.3.2: a failed SELECT leaves no mailbox selected.
    deselect();
    auto name = folder_arg(tag, p, syntax.c_str());
    if (!name) return;
    SelectParams params;
    if (p.space() && !parse_select_params(p, params)) return bad(tag, syntax);
    if (!p.at_end()) return bad(tag, syntax);
    if (params.qresync && !qresync_) return bad(tag, "QRESYNC must be enabled first (RFC 7162 3.2.3)");
    std::string folder;
    if (!mailbox_exists(*name, folder)) return tagged(tag, "NO [NONEXISTENT] Mailbox does not exist");
    auto mb = store::Mailbox::open(maildir_root_, folder);
    if (!mb) {
        log::warning("open %s of %s: %s", folder.c_str(), printable(user_).c_str(), mb.error().message.c_str());
        return tagged(tag, "NO [UNAVAILABLE] Cannot open mailbox");
    }
    if (auto r = mb->sync(); !r) {
        log::warning("sync %s of %s: %s", folder.c_str(), printable(user_).c_str(), r.error().message.c_str());
        return tagged(tag, "NO [UNAVAILABLE] Cannot read mailbox");
    }
    if (params.condstore) condstore_ = true;
    mbox_.emplace(std::move(*mb));
    read_only_ = read_only;
    seq_uids_.clear();
    seq_uids_.reserve(mbox_->messages().size());
    std::uint32_t first_unseen = 0;
    for (const auto& m : mbox_->messages()) {
        seq_uids_.push_back(m.uid);
        if (!first_unseen && !has_flag(m.flags, 'S')) first_unseen = static_cast<std::uint32_t>(seq_uids_.size());
    }
    // The parse cache is opened by the first FETCH that wants it (cmd_fetch.cc):
    // a SELECT of a big folder does not read its whole file.
    std::string keywords;
    for (const auto& k : mbox_->keywords_in_use()) keywords += " " + k;
    untagged("FLAGS (" + std::string(kSystemFlags) + keywords + ")");
    untagged(std::to_string(seq_uids_.size()) + " EXISTS");
    if (rev2_) {
        // RFC 9051 6.3.2: a LIST with the mailbox's name and attributes;
        // RECENT and UNSEEN are gone from IMAP4rev2.
        untagged("LIST (" + mailbox_attributes(folder) + ") \"/\" " + folder_to_client(folder));
    } else {
        untagged("0 RECENT");
        if (first_unseen) untagged("OK [UNSEEN " + std::to_string(first_unseen) + "] First unseen");
    }
    if (read_only)
        untagged("OK [PERMANENTFLAGS ()] Read-only mailbox");
    else
        untagged("OK [PERMANENTFLAGS (" + std::string(kSystemFlags) + keywords + " \\*)] Flags permitted");
    untagged("OK [UIDVALIDITY " + std::to_string(mbox_->uidvalidity()) + "] UIDs valid");
    untagged("OK [UIDNEXT " + std::to_string(mbox_->uidnext()) + "] Predicted next UID");
    untagged("OK [HIGHESTMODSEQ " + std::to_string(mbox_->highestmodseq()) + "] Highest");
    if (auto id = store::mailbox_id(mbox_->path())) untagged("OK [MAILBOXID (" + *id + ")] Ok");
    state_ = State::Selected;
    if (params.qresync && params.uidvalidity == mbox_->uidvalidity())
        qresync_report(params.known_uids ? &*params.known_uids : nullptr, params.modseq);
    tagged(tag, std::string(read_only ? "OK [READ-ONLY] " : "OK [READ-WRITE] ") + verb + " completed");
}

void Session::cmd_check(const std::string& tag, Parser& p) {
    if (!p.at_end()) return bad(tag, "CHECK takes no arguments");
    report_changes(true);
    tagged(tag, "OK CHECK completed");
}

Result<std::vector<std::uint32_t>> Session::expunge_deleted(const std::vector<std::uint32_t>* only) {
    std::vector<std::uint32_t> uids;
    for (std::uint32_t n = 1; n <= seq_uids_.size(); ++n) {
        const auto* m = info(n);
        if (!m || !has_flag(m->flags, 'T')) continue;
        if (only && !std::binary_search(only->begin(), only->end(), m->uid)) continue;
        uids.push_back(m->uid);
    }
    if (!uids.empty())
        if (auto r = mbox_->expunge(uids); !r) return r.error();
    return uids;
}

void Session::cmd_expunge(const std::string& tag, Parser& p) {
    if (!p.at_end()) return bad(tag, "EXPUNGE takes no arguments");
    if (read_only_) return tagged(tag, "NO [READ-ONLY] Mailbox is read-only");
    auto uids = expunge_deleted(nullptr);
    if (!uids) {
        log::warning("expunge in %s: %s", mbox_->path().c_str(), uids.error().message.c_str());
        return tagged(tag, "NO [UNAVAILABLE] Expunge failed");
    }
    forget_messages(*uids);
    report_changes(true);
    tagged(tag, "OK EXPUNGE completed");
}

void Session::cmd_close(const std::string& tag, Parser& p) {
    if (!p.at_end()) return bad(tag, "CLOSE takes no arguments");
    // RFC 3501 6.4.2: expunge silently, and only when read-write.
    if (!read_only_) {
        if (auto uids = expunge_deleted(nullptr); !uids)
            log::warning("expunge in %s: %s", mbox_->path().c_str(), uids.error().message.c_str());
    }
    deselect();
    tagged(tag, "OK CLOSE completed");
}

void Session::cmd_unselect(const std::string& tag, Parser& p) {
    if (!p.at_end()) return bad(tag, "UNSELECT takes no arguments");
    deselect();
    tagged(tag, "OK UNSELECT completed");
}

}  // namespace tern::imapd
