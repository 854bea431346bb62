// The selected state: SELECT, EXAMINE, CHECK, CLOSE, UNSELECT, EXPUNGE, and
// keeping the client's sequence numbers in step with the Maildir.
#include <algorithm>
#include <unordered_map>

#include "imapd/flags.h"
#include "imapd/session.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::imapd {

bool Session::mailbox_exists(const std::string& name, std::string& canonical) const {
    auto folders = store::Mailbox::list_folders(maildir_root_);
    if (!folders) {
        log::warning("%s", folders.error().message.c_str());
        return false;
    }
    for (const auto& f : *folders) {
        // RFC 3501 5.1: INBOX is case-insensitive, other names are not.
        if (f == name || (iequals(f, "INBOX") && iequals(name, "INBOX"))) {
            canonical = f;
            return true;
        }
    }
    return false;
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
    mbox_.reset();
    seq_uids_.clear();
    search_result_.clear();  // RFC 5182 2.1: "$" is empty after SELECT, EXAMINE, CLOSE, UNSELECT
    read_only_ = false;
    if (state_ == State::Selected) state_ = State::Authenticated;
}

void Session::report_changes(bool allow_expunge) {
    if (!mbox_) return;
    // Flags other sessions (or mutt on the files) changed are reported too.
    std::unordered_map<std::uint32_t, std::string> before_flags;
    for (std::uint32_t n = 1; n <= seq_uids_.size(); ++n)
        if (const auto* m = info(n)) before_flags.emplace(m->uid, m->flags);
    if (auto r = mbox_->sync(); !r) {
        log::warning("sync %s: %s", mbox_->path().c_str(), r.error().message.c_str());
        return;
    }
    // RFC 3501 7.4.1: EXPUNGE is not sent during FETCH, STORE or SEARCH;
    // vanished messages stay in the view (FETCH skips them) until then.
    if (allow_expunge) {
        for (std::size_t i = seq_uids_.size(); i-- > 0;) {
            if (mbox_->find(seq_uids_[i]) >= 0) continue;
            untagged(std::to_string(i + 1) + " EXPUNGE");
            seq_uids_.erase(seq_uids_.begin() + static_cast<long>(i));
        }
    }
    for (std::uint32_t n = 1; n <= seq_uids_.size(); ++n) {
        const auto* m = info(n);
        if (!m) continue;
        const auto it = before_flags.find(m->uid);
        if (it != before_flags.end() && it->second != m->flags)
            untagged(std::to_string(n) + " FETCH (FLAGS " + format_flags(m->flags) + ")");
    }
    const std::uint32_t last = seq_uids_.empty() ? 0 : seq_uids_.back();
    const std::size_t before = seq_uids_.size();
    for (const auto& m : mbox_->messages())
        if (m.uid > last) seq_uids_.push_back(m.uid);
    if (seq_uids_.size() != before) untagged(std::to_string(seq_uids_.size()) + " EXISTS");
}

void Session::cmd_select(const std::string& tag, Parser& p) { select(tag, p, false); }
void Session::cmd_examine(const std::string& tag, Parser& p) { select(tag, p, true); }

void Session::select(const std::string& tag, Parser& p, bool read_only) {
    const char* verb = read_only ? "EXAMINE" : "SELECT";
    auto name = p.space() ? p.astring() : std::nullopt;
    if (!name || !p.at_end()) return bad(tag, std::string("Syntax: ") + verb + " mailbox");
    // RFC 3501 6.3.1: a failed SELECT leaves no mailbox selected.
    deselect();
    std::string folder;
    if (!mailbox_exists(*name, folder)) return tagged(tag, "NO Mailbox does not exist");
    auto mb = store::Mailbox::open(maildir_root_, folder);
    if (!mb) {
        log::warning("open %s of %s: %s", folder.c_str(), printable(user_).c_str(), mb.error().message.c_str());
        return tagged(tag, "NO [UNAVAILABLE] Cannot open mailbox");
    }
    if (auto r = mb->sync(); !r) {
        log::warning("sync %s of %s: %s", folder.c_str(), printable(user_).c_str(), r.error().message.c_str());
        return tagged(tag, "NO [UNAVAILABLE] Cannot read mailbox");
    }
    mbox_.emplace(std::move(*mb));
    read_only_ = read_only;
    seq_uids_.clear();
    std::uint32_t first_unseen = 0;
    for (const auto& m : mbox_->messages()) {
        seq_uids_.push_back(m.uid);
        if (!first_unseen && !has_flag(m.flags, 'S')) first_unseen = static_cast<std::uint32_t>(seq_uids_.size());
    }
    untagged("FLAGS (" + std::string(kSystemFlags) + ")");
    untagged(std::to_string(seq_uids_.size()) + " EXISTS");
    untagged("0 RECENT");
    if (first_unseen) untagged("OK [UNSEEN " + std::to_string(first_unseen) + "] First unseen");
    if (read_only)
        untagged("OK [PERMANENTFLAGS ()] Read-only mailbox");
    else
        untagged("OK [PERMANENTFLAGS (" + std::string(kSystemFlags) + ")] Flags permitted");
    untagged("OK [UIDVALIDITY " + std::to_string(mbox_->uidvalidity()) + "] UIDs valid");
    untagged("OK [UIDNEXT " + std::to_string(mbox_->uidnext()) + "] Predicted next UID");
    state_ = State::Selected;
    tagged(tag, std::string(read_only ? "OK [READ-ONLY] " : "OK [READ-WRITE] ") + verb + " completed");
}

void Session::cmd_check(const std::string& tag, Parser& p) {
    if (!p.at_end()) return bad(tag, "CHECK takes no arguments");
    report_changes(true);
    tagged(tag, "OK CHECK completed");
}

Result<std::vector<std::uint32_t>> Session::expunge_deleted() {
    std::vector<std::uint32_t> uids;
    for (std::uint32_t n = 1; n <= seq_uids_.size(); ++n)
        if (const auto* m = info(n); m && has_flag(m->flags, 'T')) uids.push_back(m->uid);
    std::vector<std::uint32_t> seqs;
    if (uids.empty()) return seqs;
    if (auto r = mbox_->expunge(uids); !r) return r.error();
    for (std::size_t i = seq_uids_.size(); i-- > 0;) {
        if (!std::binary_search(uids.begin(), uids.end(), seq_uids_[i])) continue;
        seqs.push_back(static_cast<std::uint32_t>(i + 1));
        seq_uids_.erase(seq_uids_.begin() + static_cast<long>(i));
    }
    return seqs;
}

void Session::cmd_expunge(const std::string& tag, Parser& p) {
    if (!p.at_end()) return bad(tag, "EXPUNGE takes no arguments");
    if (read_only_) return tagged(tag, "NO [READ-ONLY] Mailbox is read-only");
    auto seqs = expunge_deleted();
    if (!seqs) {
        log::warning("expunge in %s: %s", mbox_->path().c_str(), seqs.error().message.c_str());
        return tagged(tag, "NO [UNAVAILABLE] Expunge failed");
    }
    // Descending, so that each number is still valid when the client reads it.
    for (auto n : *seqs) untagged(std::to_string(n) + " EXPUNGE");
    report_changes(true);
    tagged(tag, "OK EXPUNGE completed");
}

void Session::cmd_close(const std::string& tag, Parser& p) {
    if (!p.at_end()) return bad(tag, "CLOSE takes no arguments");
    // RFC 3501 6.4.2: expunge silently, and only when read-write.
    if (!read_only_) {
        if (auto seqs = expunge_deleted(); !seqs)
            log::warning("expunge in %s: %s", mbox_->path().c_str(), seqs.error().message.c_str());
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
