// Mailbox names: LIST with the extended syntax of RFC 5258 (selection options
// SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE; return options SUBSCRIBED,
// CHILDREN, SPECIAL-USE and STATUS of RFC 5819), the special-use attributes
// of RFC 6154, LSUB, and STATUS (RFC 9051 6.3.11, with SIZE and DELETED).
#include <algorithm>
#include <map>

#include "imapd/envelope.h"
#include "imapd/flags.h"
#include "imapd/list_match.h"
#include "imapd/session.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/store/folder_names.h"
#include "libmail/store/folders.h"
#include "libmail/store/object_ids.h"

namespace tern::imapd {

namespace {

struct ListOptions {
    bool extended = false;  // any RFC 5258 syntax was used
    bool select_subscribed = false, select_special_use = false, recursive_match = false;
    bool return_subscribed = false, return_children = false, return_special_use = false;
    std::vector<std::string> status_items;  // RETURN (STATUS (...))
};

constexpr std::size_t kMaxPatterns = 100;

bool known_status_item(const std::string& u) {
    static constexpr std::string_view kItems[] = {"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY",
                                                  "UNSEEN",   "DELETED", "SIZE",    "APPENDLIMIT", "HIGHESTMODSEQ", "DELETED-STORAGE", "MAILBOXID"};
    for (auto k : kItems)
        if (u == k) return true;
    return false;
}

// "(" item *(SP item) ")" of STATUS; the items upper-cased. Error text on failure.
std::optional<std::vector<std::string>> status_items(Parser& p, std::string& error) {
    std::vector<std::string> items;
    if (!p.consume('(')) {
        error = "Syntax: STATUS mailbox (items)";
        return std::nullopt;
    }
    while (true) {
        auto a = p.atom();
        if (!a || items.size() >= 16) {
            error = "Syntax: STATUS mailbox (items)";
            return std::nullopt;
        }
        std::string u = to_upper(*a);
        if (!known_status_item(u)) {
            error = "Unknown STATUS item " + printable(*a);
            return std::nullopt;
        }
        items.push_back(std::move(u));
        if (p.consume(')')) return items;
        if (!p.space()) {
            error = "Syntax: STATUS mailbox (items)";
            return std::nullopt;
        }
    }
}

// RFC 5258 list-select-opts after "LIST ", the "(" already consumed.
bool parse_select(Parser& p, ListOptions& o, std::string& error) {
    bool other_than_recursive = false;
    if (!p.consume(')')) {
        while (true) {
            auto a = p.atom();
            if (!a) return false;
            const std::string u = to_upper(*a);
            if (u == "SUBSCRIBED") o.select_subscribed = other_than_recursive = true;
            else if (u == "SPECIAL-USE") o.select_special_use = other_than_recursive = true;
            else if (u == "REMOTE") other_than_recursive = true;  // no remote mailboxes here
            else if (u == "RECURSIVEMATCH") o.recursive_match = true;
            else {
                error = "Unknown LIST selection option " + printable(*a);
                return false;
            }
            if (p.consume(')')) break;
            if (!p.space()) return false;
        }
    }
    if (o.recursive_match && !other_than_recursive) {
        error = "RECURSIVEMATCH needs another selection option";  // RFC 5258 3
        return false;
    }
    if (o.select_subscribed) o.return_subscribed = true;
    if (o.select_special_use) o.return_special_use = true;
    return true;
}

// RFC 5258 list-return-opts after "RETURN ".
bool parse_return(Parser& p, ListOptions& o, std::string& error) {
    if (!p.consume('(')) return false;
    if (p.consume(')')) return true;
    while (true) {
        auto a = p.atom();
        if (!a) return false;
        const std::string u = to_upper(*a);
        if (u == "SUBSCRIBED") o.return_subscribed = true;
        else if (u == "CHILDREN") o.return_children = true;
        else if (u == "SPECIAL-USE") o.return_special_use = true;
        else if (u == "STATUS") {
            if (!p.space()) return false;
            auto items = status_items(p, error);
            if (!items) return false;
            o.status_items = std::move(*items);
        } else {
            error = "Unknown LIST return option " + printable(*a);
            return false;
        }
        if (p.consume(')')) return true;
        if (!p.space()) return false;
    }
}

bool matches_any(const std::vector<std::string>& patterns, std::string_view name) {
    for (const auto& pat : patterns)
        if (list_match(pat, name)) return true;
    return false;
}

// One name a LIST or LSUB response may carry.
struct Candidate {
    store::FolderInfo info;
    bool selected = false;        // meets the selection criteria itself
    bool child_selected = false;  // a descendant does but is not matched (CHILDINFO)
};

}  // namespace

void Session::list(const std::string& tag, Parser& p, const char* verb) {
    const bool lsub = verb[0] == 'L' && verb[1] == 'S';
    const std::string syntax = std::string("Syntax: ") + verb + " reference pattern";
    ListOptions o;
    std::string error;
    if (!p.space()) return bad(tag, syntax);
    if (!lsub && p.consume('(')) {
        o.extended = true;
        if (!parse_select(p, o, error) || !p.space()) return bad(tag, error.empty() ? syntax : error);
    }
    auto ref = p.astring();
    if (!ref || !p.space()) return bad(tag, syntax);
    std::vector<std::string> raw_patterns;
    if (!lsub && p.consume('(')) {
        o.extended = true;
        while (true) {
            auto pat = p.list_mailbox();
            if (!pat || raw_patterns.size() >= kMaxPatterns) return bad(tag, syntax);
            raw_patterns.push_back(std::move(*pat));
            if (p.consume(')')) break;
            if (!p.space()) return bad(tag, syntax);
        }
    } else {
        auto pat = p.list_mailbox();
        if (!pat) return bad(tag, syntax);
        raw_patterns.push_back(std::move(*pat));
    }
    if (!lsub && p.space()) {
        auto kw = p.atom();
        if (!kw || !iequals(*kw, "RETURN") || !p.space() || !parse_return(p, o, error))
            return bad(tag, error.empty() ? syntax : error);
        o.extended = true;
    }
    if (!p.at_end()) return bad(tag, syntax);

    if (raw_patterns.size() == 1 && raw_patterns[0].empty() && !o.extended) {
        // RFC 9051 6.3.9: the hierarchy delimiter and root name.
        untagged(std::string(verb) + " (\\Noselect) \"/\" \"\"");
        return tagged(tag, std::string("OK ") + verb + " completed");
    }
    // Patterns are matched against UTF-8 names: decode them like names.
    std::vector<std::string> patterns;
    for (const auto& pat : raw_patterns) {
        if (pat.empty()) continue;
        auto full = store::mutf7_to_utf8(*ref + pat);
        if (full) patterns.push_back(std::move(*full));
    }

    auto tree = store::folder_tree(maildir_root_);
    if (!tree) {
        log::warning("%s: %s", verb, tree.error().message.c_str());
        return tagged(tag, std::string("NO [UNAVAILABLE] ") + verb + " failed");
    }
    // Candidates in output order: INBOX, then by name.
    std::map<std::string, Candidate> by_name;
    std::vector<std::string> order;
    auto candidate = [&](const std::string& name) -> Candidate& {
        auto [it, fresh] = by_name.try_emplace(name);
        if (fresh) {
            it->second.info.name = name;
            order.push_back(name);
        }
        return it->second;
    };
    for (auto& f : *tree) candidate(f.name).info = f;
    const bool by_subscription = lsub || o.select_subscribed;
    if (by_subscription) {
        // Subscribed names need not exist (RFC 9051 6.3.7).
        for (const auto& f : *tree) {
            if (!f.subscribed) continue;
            candidate(f.name).selected = true;
        }
        auto subs = store::subscriptions(maildir_root_);
        if (subs)
            for (const auto& s : *subs) {
                auto& c = candidate(s);
                c.selected = true;
                c.info.subscribed = true;
            }
    } else {
        for (auto& [name, c] : by_name) c.selected = !o.select_special_use || !c.info.special_use.empty();
    }
    // A selected name the patterns do not match still lists its matching
    // parents: with CHILDINFO under RECURSIVEMATCH, as \Noselect in LSUB.
    if (lsub || o.recursive_match) {
        std::vector<std::string> parents;
        for (const auto& [name, c] : by_name) {
            if (!c.selected || matches_any(patterns, name)) continue;
            for (auto par = store::parent_folder(name); !par.empty(); par = store::parent_folder(par))
                parents.emplace_back(par);
        }
        for (const auto& par : parents) candidate(par).child_selected = true;
    }
    std::sort(order.begin(), order.end(), [](const std::string& a, const std::string& b) {
        if (store::is_inbox(a) != store::is_inbox(b)) return store::is_inbox(a);
        return a < b;
    });

    for (const auto& name : order) {
        const auto& c = by_name[name];
        if (!(c.selected || c.child_selected) || !matches_any(patterns, name)) continue;
        const auto& f = c.info;
        std::vector<std::string_view> attrs;
        const bool exists = f.exists || store::is_inbox(name);
        if (lsub) {
            if (!exists || !c.selected) attrs.push_back("\\Noselect");
        } else {
            if (!exists) attrs.push_back(o.extended || rev2_ ? "\\NonExistent" : "\\Noselect");
            if (exists || f.has_children) attrs.push_back(f.has_children ? "\\HasChildren" : "\\HasNoChildren");
            if (o.return_subscribed && f.subscribed) attrs.push_back("\\Subscribed");
            if (!f.special_use.empty()) attrs.push_back(f.special_use);
        }
        std::string line = std::string(verb) + " (";
        for (std::size_t i = 0; i < attrs.size(); ++i) {
            if (i) line += ' ';
            line += attrs[i];
        }
        line += ") \"/\" " + folder_to_client(name);
        if (c.child_selected && o.recursive_match) line += " (\"CHILDINFO\" (\"SUBSCRIBED\"))";
        untagged(line);
        if (!o.status_items.empty() && exists) status_line(name, o.status_items);
    }
    tagged(tag, std::string("OK ") + verb + " completed");
}

std::string Session::mailbox_attributes(const std::string& folder) {
    auto tree = store::folder_tree(maildir_root_);
    if (!tree) return "";
    for (const auto& f : *tree) {
        if (f.name != folder) continue;
        std::string out = f.has_children ? "\\HasChildren" : "\\HasNoChildren";
        if (!f.special_use.empty()) out += " " + std::string(f.special_use);
        return out;
    }
    return "";
}

void Session::cmd_list(const std::string& tag, Parser& p) { list(tag, p, "LIST"); }
void Session::cmd_lsub(const std::string& tag, Parser& p) { list(tag, p, "LSUB"); }

bool Session::status_line(const std::string& folder, const std::vector<std::string>& items) {
    auto mb = store::Mailbox::open(maildir_root_, folder);
    if (mb) {
        if (auto r = mb->sync(); !r) mb = r.error();
    }
    if (!mb) {
        log::warning("status %s of %s: %s", printable(folder).c_str(), printable(user_).c_str(),
                     mb.error().message.c_str());
        return false;
    }
    std::uint64_t unseen = 0, deleted = 0, size = 0, deleted_size = 0;
    for (const auto& m : mb->messages()) {
        if (!has_flag(m.flags, 'S')) ++unseen;
        if (has_flag(m.flags, 'T')) {
            ++deleted;
            deleted_size += m.size;
        }
        size += m.size;
    }
    std::string out = "STATUS " + folder_to_client(folder) + " (";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ' ';
        const auto& it = items[i];
        if (it == "MAILBOXID") {  // RFC 8474 4.2: MAILBOXID (id)
            auto id = store::mailbox_id(mb->path());
            out += "MAILBOXID (" + (id ? *id : std::string("NIL")) + ")";
            continue;
        }
        std::uint64_t v = 0;
        if (it == "MESSAGES") v = mb->messages().size();
        else if (it == "UIDNEXT") v = mb->uidnext();
        else if (it == "UIDVALIDITY") v = mb->uidvalidity();
        else if (it == "UNSEEN") v = unseen;
        else if (it == "DELETED") v = deleted;
        else if (it == "SIZE") v = size;
        else if (it == "APPENDLIMIT") v = settings_.append_limit;
        else if (it == "HIGHESTMODSEQ") v = mb->highestmodseq();
        else if (it == "DELETED-STORAGE") v = (deleted_size + 1023) / 1024;  // RFC 9208 4.2: KiB
        out += it + " " + std::to_string(v);
    }
    out += ")";
    untagged(out);
    return true;
}

void Session::cmd_status(const std::string& tag, Parser& p) {
    auto name = folder_arg(tag, p, "Syntax: STATUS mailbox (items)");
    if (!name) return;
    std::string error;
    auto items = p.space() ? status_items(p, error) : std::nullopt;
    if (!items || !p.at_end()) return bad(tag, error.empty() ? "Syntax: STATUS mailbox (items)" : error);
    if (std::find(items->begin(), items->end(), "HIGHESTMODSEQ") != items->end()) enable_condstore();
    std::string folder;
    if (!mailbox_exists(*name, folder)) return tagged(tag, "NO [NONEXISTENT] Mailbox does not exist");
    if (!status_line(folder, *items)) return tagged(tag, "NO [UNAVAILABLE] Cannot read mailbox");
    tagged(tag, "OK STATUS completed");
}

}  // namespace tern::imapd
