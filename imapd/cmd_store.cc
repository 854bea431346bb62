// STORE and UID STORE (RFC 3501 6.4.6): FLAGS, +FLAGS, -FLAGS and .SILENT on
// the system flags. Keywords are accepted and not kept (they are not in
// PERMANENTFLAGS); \Recent cannot be changed by a client.
#include "imapd/flags.h"
#include "imapd/session.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::imapd {

void Session::store(const std::string& tag, Parser& p, bool uid) {
    auto set = p.space() ? p.sequence_set() : std::nullopt;
    auto item = set && p.space() ? p.atom() : std::nullopt;
    auto flags = item && p.space() ? p.flag_list(true) : std::nullopt;
    if (!flags || !p.at_end()) return bad(tag, "Syntax: STORE sequence-set [+|-]FLAGS[.SILENT] (flags)");
    std::string_view name = *item;
    StoreMode mode = StoreMode::Replace;
    if (!name.empty() && (name.front() == '+' || name.front() == '-')) {
        mode = name.front() == '+' ? StoreMode::Add : StoreMode::Remove;
        name.remove_prefix(1);
    }
    bool silent = false;
    if (iequals(name, "FLAGS.SILENT")) silent = true;
    else if (!iequals(name, "FLAGS")) return bad(tag, "Unknown STORE item");
    for (const auto& f : *flags) {
        if (f.front() == '\\' && !flag_letter(f) && !iequals(f, "\\Recent"))
            return bad(tag, "Unknown system flag");
    }
    if (read_only_) return tagged(tag, "NO [READ-ONLY] Mailbox is read-only");
    auto seqs = resolve(*set, uid);
    if (!seqs) return bad(tag, "Invalid message sequence number");
    bool failed = false;
    for (const auto n : *seqs) {
        const store::MessageInfo* m = info(n);
        if (!m) continue;
        const std::uint32_t msg_uid = m->uid;
        const std::string letters = apply_flags(m->flags, mode, *flags);
        if (letters != m->flags) {
            if (auto r = mbox_->set_flags(msg_uid, letters); !r) {
                log::warning("store uid %u in %s: %s", msg_uid, mbox_->path().c_str(), r.error().message.c_str());
                failed = true;
                continue;
            }
            m = info(n);
            if (!m) continue;
        }
        if (!silent) {
            std::string out = std::to_string(n) + " FETCH (";
            if (uid) out += "UID " + std::to_string(msg_uid) + " ";
            out += "FLAGS " + format_flags(m->flags) + ")";
            untagged(out);
        }
    }
    if (failed) return tagged(tag, "NO [UNAVAILABLE] Some flags could not be changed");
    tagged(tag, std::string(uid ? "OK UID STORE" : "OK STORE") + " completed");
}

}  // namespace tern::imapd
