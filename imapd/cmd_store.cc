// STORE and UID STORE (RFC 9051 6.4.6): FLAGS, +FLAGS, -FLAGS and .SILENT on
// the system flags and keywords, with UNCHANGEDSINCE and the MODIFIED
// response code of CONDSTORE (RFC 7162 3.1.3). The change is applied by the
// store to each message's current flags under its lock, so a flag another
// session set in between is kept. \Recent cannot be changed by a client.
#include "imapd/flags.h"
#include "imapd/session.h"
#include "imapd/uid_set.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/store/mailbox_index.h"

namespace tern::imapd {

namespace {

// "(UNCHANGEDSINCE n)" after the sequence set; 0 when absent.
bool parse_store_modifiers(Parser& p, std::uint64_t& unchanged_since) {
    if (!p.consume('(')) return true;
    auto name = p.atom();
    if (!name || !iequals(*name, "UNCHANGEDSINCE") || !p.space()) return false;
    auto v = parse_number<std::uint64_t>(p.take_while([](char c) { return c >= '0' && c <= '9'; }));
    if (!v || *v > 9223372036854775807ULL || !p.consume(')') || !p.space()) return false;
    // UNCHANGEDSINCE 0 is legal: then only messages never changed (none) pass.
    unchanged_since = *v;
    return true;
}

}  // namespace

void Session::store(const std::string& tag, Parser& p, bool uid) {
    constexpr const char* kSyntax = "Syntax: STORE sequence-set [(UNCHANGEDSINCE n)] [+|-]FLAGS[.SILENT] (flags)";
    auto set = p.space() ? p.sequence_set() : std::nullopt;
    if (!set || !p.space()) return bad(tag, kSyntax);
    std::uint64_t unchanged_since = UINT64_MAX;  // none given
    if (p.peek('(')) {
        unchanged_since = 0;
        if (!parse_store_modifiers(p, unchanged_since)) return bad(tag, kSyntax);
    }
    auto item = p.atom();
    auto flags = item && p.space() ? p.flag_list(true) : std::nullopt;
    if (!flags || !p.at_end()) return bad(tag, kSyntax);
    std::string_view name = *item;
    store::FlagChange change;
    if (!name.empty() && (name.front() == '+' || name.front() == '-')) {
        change.op = name.front() == '+' ? store::FlagChange::Op::Add : store::FlagChange::Op::Remove;
        name.remove_prefix(1);
    }
    bool silent = false;
    if (iequals(name, "FLAGS.SILENT")) silent = true;
    else if (!iequals(name, "FLAGS")) return bad(tag, "Unknown STORE item");
    for (const auto& f : *flags) {
        if (auto l = flag_letter(f)) change.letters += *l;
        else if (iequals(f, "\\Recent")) continue;
        else if (f.front() == '\\') return bad(tag, "Unknown system flag " + printable(f));
        else if (!store::valid_keyword(f)) return bad(tag, "Invalid keyword " + printable(f));
        else change.keywords.push_back(f);
    }
    if (read_only_) return tagged(tag, "NO [READ-ONLY] Mailbox is read-only");
    auto seqs = resolve(*set, uid);
    if (!seqs) return bad(tag, "Invalid message sequence number");
    if (unchanged_since != UINT64_MAX) enable_condstore();

    std::vector<std::uint32_t> uids;
    for (auto n : *seqs) uids.push_back(seq_uids_[n - 1]);
    Result<store::FlagChangeResult> result{store::FlagChangeResult{}};
    if (unchanged_since == 0)  // can never hold (RFC 7162 3.1.3): every message is "modified"
        result->modified = uids;
    else if (!uids.empty())
        result = mbox_->change_flags(uids, change, unchanged_since == UINT64_MAX ? 0 : unchanged_since);
    if (!result) {
        if (result.error().code == E2BIG) return tagged(tag, "NO [LIMIT] " + result.error().message);
        log::warning("store in %s: %s", mbox_->path().c_str(), result.error().message.c_str());
        return tagged(tag, "NO [UNAVAILABLE] Flags could not be changed");
    }
    std::sort(result->modified.begin(), result->modified.end());
    std::sort(result->changed.begin(), result->changed.end());
    for (auto n : *seqs) {
        const store::MessageInfo* m = info(n);
        if (!m || std::binary_search(result->modified.begin(), result->modified.end(), m->uid)) continue;
        // .SILENT still reports a change when CONDSTORE asks (RFC 7162 3.1.3).
        const bool changed = std::binary_search(result->changed.begin(), result->changed.end(), m->uid);
        if (!silent || (changed && unchanged_since != UINT64_MAX)) untagged(flags_response(n, *m, uid));
    }
    std::string done = std::string(uid ? "UID STORE" : "STORE") + " completed";
    if (!result->modified.empty()) {
        std::vector<std::uint32_t> numbers;  // UIDs for UID STORE, sequence numbers otherwise
        for (auto n : *seqs)
            if (std::binary_search(result->modified.begin(), result->modified.end(), seq_uids_[n - 1]))
                numbers.push_back(uid ? seq_uids_[n - 1] : n);
        return tagged(tag, "OK [MODIFIED " + format_uid_set(numbers) + "] Conditional " + done);
    }
    tagged(tag, "OK " + done);
}

}  // namespace tern::imapd
