// SEARCH and UID SEARCH (RFC 3501 6.4.4, 6.4.8).
#include "imapd/search_keys.h"
#include "imapd/session.h"
#include "libmail/core/log.h"

namespace tern::imapd {

void Session::search(const std::string& tag, Parser& p, bool uid) {
    if (!p.space()) return bad(tag, "Syntax: SEARCH keys");
    std::string error;
    auto key = parse_search(p, error);
    if (!key || !p.at_end()) {
        if (error.rfind("[BADCHARSET", 0) == 0) return tagged(tag, "NO " + error + " Unsupported charset");
        return bad(tag, error.empty() ? "Syntax error in search keys" : error);
    }
    std::string out = "SEARCH";
    const auto max_seq = static_cast<std::uint32_t>(seq_uids_.size());
    const std::uint32_t max_uid = seq_uids_.empty() ? 0 : seq_uids_.back();
    const bool text = needs_text(*key);
    for (std::uint32_t n = 1; n <= max_seq; ++n) {
        const auto* m = info(n);
        if (!m) continue;
        SearchItem item;
        item.seq = n;
        item.uid = m->uid;
        item.flags = m->flags;
        item.size = m->size;
        item.max_seq = max_seq;
        item.max_uid = max_uid;
        item.internal_date = m->internal_date;
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
        if (search_matches(*key, item)) out += " " + std::to_string(uid ? m->uid : n);
    }
    untagged(out);
    tagged(tag, std::string(uid ? "OK UID SEARCH" : "OK SEARCH") + " completed");
}

}  // namespace tern::imapd
