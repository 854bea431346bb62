// Mailbox names: LIST and LSUB (RFC 3501 6.3.8-9, hierarchy separator "/",
// every folder counts as subscribed), STATUS, SUBSCRIBE/UNSUBSCRIBE (no-ops).
#include "imapd/envelope.h"
#include "imapd/flags.h"
#include "imapd/list_match.h"
#include "imapd/session.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::imapd {

void Session::list(const std::string& tag, Parser& p, const char* verb) {
    auto ref = p.space() ? p.astring() : std::nullopt;
    auto pattern = ref && p.space() ? p.list_mailbox() : std::nullopt;
    if (!ref || !pattern || !p.at_end()) return bad(tag, std::string("Syntax: ") + verb + " reference pattern");
    if (pattern->empty()) {
        // RFC 3501 6.3.8: the hierarchy delimiter and root name.
        untagged(std::string(verb) + " (\\Noselect) \"/\" \"\"");
        return tagged(tag, std::string("OK ") + verb + " completed");
    }
    const std::string full = *ref + *pattern;
    auto folders = store::Mailbox::list_folders(maildir_root_);
    if (!folders) {
        log::warning("%s", folders.error().message.c_str());
        return tagged(tag, std::string("NO [UNAVAILABLE] ") + verb + " failed");
    }
    // list_folders gives INBOX first, as clients expect.
    for (const auto& f : *folders)
        if (list_match(full, f)) untagged(std::string(verb) + " () \"/\" " + imap_string(f));
    tagged(tag, std::string("OK ") + verb + " completed");
}

void Session::cmd_list(const std::string& tag, Parser& p) { list(tag, p, "LIST"); }
void Session::cmd_lsub(const std::string& tag, Parser& p) { list(tag, p, "LSUB"); }

void Session::cmd_subscribe(const std::string& tag, Parser& p) {
    auto name = p.space() ? p.astring() : std::nullopt;
    if (!name || !p.at_end()) return bad(tag, "Syntax: SUBSCRIBE mailbox");
    tagged(tag, "OK Completed");  // every folder is listed by LSUB
}

void Session::cmd_status(const std::string& tag, Parser& p) {
    auto name = p.space() ? p.astring() : std::nullopt;
    if (!name || !p.space() || !p.consume('(')) return bad(tag, "Syntax: STATUS mailbox (items)");
    std::vector<std::string> items;
    while (true) {
        auto a = p.atom();
        if (!a || items.size() >= 10) return bad(tag, "Syntax: STATUS mailbox (items)");
        const std::string u = to_upper(*a);
        if (u != "MESSAGES" && u != "RECENT" && u != "UIDNEXT" && u != "UIDVALIDITY" && u != "UNSEEN")
            return bad(tag, "Unknown STATUS item");
        items.push_back(u);
        if (p.consume(')')) break;
        if (!p.space()) return bad(tag, "Syntax: STATUS mailbox (items)");
    }
    if (!p.at_end()) return bad(tag, "Syntax: STATUS mailbox (items)");
    std::string folder;
    if (!mailbox_exists(*name, folder)) return tagged(tag, "NO Mailbox does not exist");
    auto mb = store::Mailbox::open(maildir_root_, folder);
    if (mb) {
        if (auto r = mb->sync(); !r) mb = r.error();
    }
    if (!mb) {
        log::warning("status %s of %s: %s", folder.c_str(), printable(user_).c_str(), mb.error().message.c_str());
        return tagged(tag, "NO [UNAVAILABLE] Cannot read mailbox");
    }
    std::size_t unseen = 0;
    for (const auto& m : mb->messages())
        if (!has_flag(m.flags, 'S')) ++unseen;
    std::string out = "STATUS " + imap_string(*name) + " (";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ' ';
        const auto& it = items[i];
        std::uint64_t v = 0;
        if (it == "MESSAGES") v = mb->messages().size();
        else if (it == "UIDNEXT") v = mb->uidnext();
        else if (it == "UIDVALIDITY") v = mb->uidvalidity();
        else if (it == "UNSEEN") v = unseen;
        out += it + " " + std::to_string(v);
    }
    out += ")";
    untagged(out);
    tagged(tag, "OK STATUS completed");
}

}  // namespace tern::imapd
