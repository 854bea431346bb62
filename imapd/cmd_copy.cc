// COPY and MOVE (RFC 9051 6.4.7-6.4.8, RFC 6851) and their UID forms, with
// COPYUID (RFC 4315), and UID EXPUNGE (RFC 4315 2.1). MOVE is a copy, then
// an expunge of the originals: a crash between the two leaves the message in
// both mailboxes, never in neither.
#include <algorithm>

#include "imapd/flags.h"
#include "imapd/session.h"
#include "imapd/uid_set.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::imapd {

void Session::copy(const std::string& tag, Parser& p, bool uid, bool move) {
    const std::string verb = std::string(uid ? "UID " : "") + (move ? "MOVE" : "COPY");
    const std::string syntax = "Syntax: " + verb + " sequence-set mailbox";
    auto set = p.space() ? p.sequence_set() : std::nullopt;
    if (!set) return bad(tag, syntax);
    auto name = folder_arg(tag, p, syntax.c_str());
    if (!name) return;
    if (!p.at_end()) return bad(tag, syntax);
    if (move && read_only_) return tagged(tag, "NO [READ-ONLY] Mailbox is read-only");
    auto seqs = resolve(*set, uid);
    if (!seqs) return bad(tag, "Invalid message sequence number");
    std::string folder;
    if (!mailbox_exists(*name, folder)) return tagged(tag, "NO [TRYCREATE] Mailbox does not exist");

    std::vector<std::uint32_t> uids;
    for (auto n : *seqs) uids.push_back(seq_uids_[n - 1]);
    if (uids.empty()) return tagged(tag, "OK " + verb + " completed");  // RFC 9051 6.4.9: no match is fine
    if (!move) {  // a MOVE takes no more room than before
        std::uint64_t bytes = 0;
        for (auto n : *seqs)
            if (const auto* m = info(n)) bytes += m->size;
        if (!quota_allows(bytes, uids.size())) return tagged(tag, "NO [OVERQUOTA] Quota exceeded");
    }
    auto dst = store::Mailbox::open(maildir_root_, folder);
    auto copied = dst ? dst->copy_from(*mbox_, uids) : Result<std::vector<std::uint32_t>>(dst.error());
    if (!copied) {
        const int code = copied.error().code;
        if (code == ENOSPC || code == EDQUOT) return tagged(tag, "NO [OVERQUOTA] Not enough space");
        log::warning("%s to %s of %s: %s", verb.c_str(), printable(folder).c_str(), printable(user_).c_str(),
                     copied.error().message.c_str());
        return tagged(tag, "NO [UNAVAILABLE] " + verb + " failed; nothing was copied");
    }
    std::vector<std::uint32_t> from, to;
    for (std::size_t i = 0; i < uids.size(); ++i) {
        if ((*copied)[i] == 0) continue;  // expunged by another session meanwhile
        from.push_back(uids[i]);
        to.push_back((*copied)[i]);
    }
    const std::string copyuid = from.empty() ? std::string()
                                             : "[COPYUID " + std::to_string(dst->uidvalidity()) + " " +
                                                   format_uid_set(from) + " " + format_uid_set(to) + "] ";
    if (!move) {
        if (mbox_->folder() == folder) report_changes(true);
        return tagged(tag, "OK " + copyuid + verb + " completed");
    }
    // RFC 6851 4.3: COPYUID in an untagged OK before the EXPUNGEs.
    if (!copyuid.empty()) untagged("OK " + copyuid + "Moved");
    if (auto r = mbox_->expunge(from); !r) {
        log::warning("%s: originals not removed from %s: %s", verb.c_str(), mbox_->path().c_str(),
                     r.error().message.c_str());
        return tagged(tag, "NO [UNAVAILABLE] Copied, but the originals could not be removed");
    }
    std::sort(from.begin(), from.end());
    forget_messages(from);
    report_changes(true);
    tagged(tag, "OK " + verb + " completed");
}

void Session::uid_expunge(const std::string& tag, Parser& p) {
    auto set = p.space() ? p.sequence_set() : std::nullopt;
    if (!set || !p.at_end()) return bad(tag, "Syntax: UID EXPUNGE uid-set");
    if (read_only_) return tagged(tag, "NO [READ-ONLY] Mailbox is read-only");
    auto seqs = resolve(*set, true);
    if (!seqs) return bad(tag, "Invalid UID set");
    std::vector<std::uint32_t> in_set;
    for (auto n : *seqs) in_set.push_back(seq_uids_[n - 1]);
    auto uids = expunge_deleted(&in_set);
    if (!uids) {
        log::warning("expunge in %s: %s", mbox_->path().c_str(), uids.error().message.c_str());
        return tagged(tag, "NO [UNAVAILABLE] Expunge failed");
    }
    forget_messages(*uids);
    report_changes(true);
    tagged(tag, "OK UID EXPUNGE completed");
}

}  // namespace tern::imapd
