// SEARCH and UID SEARCH (RFC 3501 6.4.4, 6.4.8; RFC 9051 6.4.4), with the
// result options of ESEARCH (RFC 4731: MIN MAX ALL COUNT) and SEARCHRES
// (RFC 5182: SAVE, and "$" as a sequence set).
#include <algorithm>

#include "imapd/envelope.h"
#include "imapd/search_keys.h"
#include "imapd/session.h"
#include "imapd/uid_set.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/store/mailbox_index.h"
#include "libmail/store/object_ids.h"

namespace tern::imapd {

namespace {

// Whether the program uses a key of this kind anywhere.
bool uses_kind(const SearchKey& key, SearchKey::Kind kind) {
    if (key.kind == kind) return true;
    for (const auto& k : key.sub)
        if (uses_kind(k, kind)) return true;
    return false;
}

SequenceSet as_set(const std::vector<std::uint32_t>& v) {
    SequenceSet s;
    for (auto n : v) {
        if (!s.empty() && s.back().hi + 1 == n) s.back().hi = n;
        else s.push_back({n, n});
    }
    return s;
}

}  // namespace

std::vector<std::uint32_t> Session::saved_result_seqs() const {
    std::vector<std::uint32_t> out;
    for (std::uint32_t n = 1; n <= seq_uids_.size(); ++n)
        if (std::binary_search(search_result_.begin(), search_result_.end(), seq_uids_[n - 1])) out.push_back(n);
    return out;
}

std::vector<std::uint32_t> Session::matching(const SearchKey& program) {
    // "$" becomes the saved messages, as sequence numbers or UIDs.
    SearchKey key = program;
    const auto seqs = saved_result_seqs();
    std::vector<std::uint32_t> uids;
    for (auto n : seqs) uids.push_back(seq_uids_[n - 1]);
    auto expand = [&](auto& self, SearchKey& k) -> void {
        if ((k.kind == SearchKey::Kind::Seq || k.kind == SearchKey::Kind::Uid) && is_saved_result(k.set))
            k.set = as_set(k.kind == SearchKey::Kind::Seq ? seqs : uids);
        for (auto& s : k.sub) self(self, s);
    };
    expand(expand, key);

    std::vector<std::uint32_t> out;
    const auto max_seq = static_cast<std::uint32_t>(seq_uids_.size());
    const std::uint32_t max_uid = seq_uids_.empty() ? 0 : seq_uids_.back();
    const bool text = needs_text(key);
    const bool uses_email_id = uses_kind(key, SearchKey::Kind::EmailId);
    for (std::uint32_t n = 1; n <= max_seq; ++n) {
        const auto* m = info(n);
        if (!m) continue;
        SearchItem item;
        item.seq = n;
        item.uid = m->uid;
        item.flags = m->flags;
        item.keywords = m->keywords;
        item.size = m->size;
        item.max_seq = max_seq;
        item.max_uid = max_uid;
        item.internal_date = m->internal_date;
        item.modseq = m->modseq;
        std::string email_id;
        if (uses_email_id) {
            email_id = store::email_id(store::split_maildir_name(std::string_view(m->filename).substr(4)).base);
            item.email_id = email_id;
        }
        std::optional<std::string> message;
        bool tried = false;
        if (text) {
            item.message = [&]() -> const std::string* {
                if (!tried) {
                    tried = true;
                    auto r = mbox_->read_message(m->uid, settings_.max_message_bytes);
                    if (r) message = std::move(*r);
                    else log::warning("search uid %u in %s: %s", m->uid, mbox_->path().c_str(),
                                      r.error().message.c_str());
                }
                return message ? &*message : nullptr;
            };
        }
        if (search_matches(key, item)) out.push_back(n);
    }
    return out;
}

void Session::search(const std::string& tag, Parser& p, bool uid) {
    const char* verb = uid ? "UID SEARCH" : "SEARCH";
    if (!p.space()) return bad(tag, "Syntax: SEARCH [RETURN (options)] keys");
    bool has_return = false;
    const auto opts = parse_search_return(p, has_return);
    if (!opts) return bad(tag, "Syntax: RETURN (MIN MAX ALL COUNT SAVE)");
    std::string error;
    auto key = parse_search(p, error);
    if (!key || !p.at_end()) {
        // RFC 5182 2.1: a failed SEARCH with SAVE leaves "$" empty.
        if (*opts & kReturnSave) search_result_.clear();
        if (error.rfind("[BADCHARSET", 0) == 0) return tagged(tag, "NO " + error + " Unsupported charset");
        return bad(tag, error.empty() ? "Syntax error in search keys" : error);
    }
    const bool modseq_key = uses_kind(*key, SearchKey::Kind::Modseq);
    if (modseq_key) enable_condstore();
    const auto seqs = matching(*key);
    auto number = [&](std::uint32_t n) { return uid ? seq_uids_[n - 1] : n; };
    // RFC 7162 3.1.5: a search on MODSEQ also gives the highest MODSEQ found.
    std::string modseq_suffix;
    if (modseq_key && !seqs.empty()) {
        std::uint64_t highest = 0;
        for (auto n : seqs)
            if (const auto* m = info(n)) highest = std::max(highest, m->modseq);
        modseq_suffix = std::to_string(highest);
    }
    // RFC 9051 6.4.4: an IMAP4rev2 client gets ESEARCH (ALL) even without RETURN.
    if (!has_return && !rev2_) {
        std::string out = "SEARCH";
        for (auto n : seqs) out += " " + std::to_string(number(n));
        if (!modseq_suffix.empty()) out += " (MODSEQ " + modseq_suffix + ")";
        untagged(out);
        return tagged(tag, std::string("OK ") + verb + " completed");
    }
    const unsigned options = has_return ? *opts : kReturnAll;
    if (options & kReturnSave) {
        // RFC 5182 2.4: with MIN and/or MAX alone, only those are saved.
        std::vector<std::uint32_t> keep;
        if (!seqs.empty() && (options & (kReturnMin | kReturnMax)) && !(options & (kReturnAll | kReturnCount))) {
            if (options & kReturnMin) keep.push_back(seq_uids_[seqs.front() - 1]);
            if (options & kReturnMax) keep.push_back(seq_uids_[seqs.back() - 1]);
        } else {
            for (auto n : seqs) keep.push_back(seq_uids_[n - 1]);
        }
        std::sort(keep.begin(), keep.end());
        keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
        search_result_ = std::move(keep);
        if (options == kReturnSave) return tagged(tag, std::string("OK ") + verb + " completed, result saved");
    }
    // RFC 4731 3.1: MIN, MAX and ALL are left out when nothing matched.
    std::string out = "ESEARCH (TAG " + imap_string(tag) + ")";
    if (uid) out += " UID";
    std::vector<std::uint32_t> numbers;
    for (auto n : seqs) numbers.push_back(number(n));
    if (!numbers.empty()) {  // UIDs ascend with sequence numbers
        if (options & kReturnMin) out += " MIN " + std::to_string(numbers.front());
        if (options & kReturnMax) out += " MAX " + std::to_string(numbers.back());
        if (options & kReturnAll) out += " ALL " + format_uid_set(numbers);
    }
    if (options & kReturnCount) out += " COUNT " + std::to_string(numbers.size());
    if (!modseq_suffix.empty()) out += " MODSEQ " + modseq_suffix;
    untagged(out);
    tagged(tag, std::string("OK ") + verb + " completed");
}

}  // namespace tern::imapd
