// Mailbox names and the commands that manage mailboxes: CREATE, DELETE,
// RENAME (RFC 9051 6.3.4-6.3.6), SUBSCRIBE and UNSUBSCRIBE. Clients send
// names in modified UTF-7 (RFC 3501 5.1.3); the store keeps UTF-8.
#include "imapd/envelope.h"
#include "imapd/session.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/store/folder_names.h"
#include "libmail/store/folders.h"
#include "libmail/store/object_ids.h"

namespace tern::imapd {

namespace {

// The tagged NO for a failed mailbox operation, with the RFC 5530 code a
// client can act on; store errors that are not the client's fault are logged.
std::string folder_failure(const Error& e, const std::string& user) {
    switch (e.code) {
    case EEXIST: return "NO [ALREADYEXISTS] " + e.message;
    case ENOENT: return "NO [NONEXISTENT] " + e.message;
    case EINVAL:
    case ENAMETOOLONG: return "NO [CANNOT] " + e.message;
    case ENOSPC:
    case EDQUOT: return "NO [OVERQUOTA] Not enough space";
    default:
        log::warning("mailbox operation of %s: %s", printable(user).c_str(), e.message.c_str());
        return "NO [UNAVAILABLE] Mailbox operation failed";
    }
}

}  // namespace

std::optional<std::string> Session::folder_from_client(std::string_view raw) const {
    if (store::is_inbox(raw)) return std::string("INBOX");
    // RFC 6855 3 and RFC 9051 5.1: after ENABLE UTF8=ACCEPT or IMAP4rev2 names are UTF-8 as they are.
    auto name = utf8_accept_ || rev2_ ? std::optional<std::string>(raw) : store::mutf7_to_utf8(raw);
    if (!name) return std::nullopt;
    // "inbox/x" is below INBOX whatever its case (RFC 9051 5.1).
    if (name->size() > 6 && (*name)[5] == '/' && store::is_inbox(std::string_view(*name).substr(0, 5)))
        name->replace(0, 5, "INBOX");
    return name;
}

std::string Session::folder_to_client(std::string_view name) const {
    if (utf8_accept_ || rev2_) return imap_string(name);
    auto encoded = store::utf8_to_mutf7(name);
    return imap_string(encoded ? *encoded : std::string(name));
}

std::optional<std::string> Session::folder_arg(const std::string& tag, Parser& p, const char* syntax) {
    auto raw = p.space() ? p.astring() : std::nullopt;
    if (!raw) {
        bad(tag, syntax);
        return std::nullopt;
    }
    auto name = folder_from_client(*raw);
    if (!name) tagged(tag, "NO [CANNOT] Mailbox name is not valid modified UTF-7");
    return name;
}

void Session::cmd_create(const std::string& tag, Parser& p) {
    auto name = folder_arg(tag, p, "Syntax: CREATE mailbox");
    if (!name) return;
    if (!p.at_end()) return bad(tag, "Syntax: CREATE mailbox");
    // RFC 9051 6.3.4: a trailing separator only says inferiors are planned.
    if (name->size() > 1 && name->back() == '/') name->pop_back();
    if (auto r = store::create_folder(maildir_root_, *name); !r) return tagged(tag, folder_failure(r.error(), user_));
    log::info("user=<%s>: created mailbox %s", printable(user_).c_str(), printable(*name).c_str());
    // RFC 8474 4.1: the new mailbox's id in the tagged OK.
    auto dir = store::to_maildir_dir(*name);
    auto id = dir ? store::mailbox_id(maildir_root_ + "/" + *dir) : Result<std::string>(dir.error());
    tagged(tag, id ? "OK [MAILBOXID (" + *id + ")] CREATE completed" : std::string("OK CREATE completed"));
}

void Session::cmd_delete(const std::string& tag, Parser& p) {
    auto name = folder_arg(tag, p, "Syntax: DELETE mailbox");
    if (!name) return;
    if (!p.at_end()) return bad(tag, "Syntax: DELETE mailbox");
    if (store::is_inbox(*name)) return tagged(tag, "NO [CANNOT] INBOX cannot be deleted");
    if (auto r = store::delete_folder(maildir_root_, *name); !r) return tagged(tag, folder_failure(r.error(), user_));
    log::info("user=<%s>: deleted mailbox %s", printable(user_).c_str(), printable(*name).c_str());
    // The selected mailbox is gone: later commands find no messages in it.
    tagged(tag, "OK DELETE completed");
}

void Session::cmd_rename(const std::string& tag, Parser& p) {
    auto from = folder_arg(tag, p, "Syntax: RENAME mailbox new-name");
    if (!from) return;
    auto to = folder_arg(tag, p, "Syntax: RENAME mailbox new-name");
    if (!to) return;
    if (!p.at_end()) return bad(tag, "Syntax: RENAME mailbox new-name");
    if (auto r = store::rename_folder(maildir_root_, *from, *to); !r)
        return tagged(tag, folder_failure(r.error(), user_));
    log::info("user=<%s>: renamed mailbox %s to %s", printable(user_).c_str(), printable(*from).c_str(),
              printable(*to).c_str());
    tagged(tag, "OK RENAME completed");
}

void Session::cmd_subscribe(const std::string& tag, Parser& p) { subscribe(tag, p, true); }
void Session::cmd_unsubscribe(const std::string& tag, Parser& p) { subscribe(tag, p, false); }

void Session::subscribe(const std::string& tag, Parser& p, bool on) {
    const char* syntax = on ? "Syntax: SUBSCRIBE mailbox" : "Syntax: UNSUBSCRIBE mailbox";
    auto name = folder_arg(tag, p, syntax);
    if (!name) return;
    if (!p.at_end()) return bad(tag, syntax);
    if (auto r = store::set_subscribed(maildir_root_, *name, on); !r)
        return tagged(tag, folder_failure(r.error(), user_));
    tagged(tag, on ? "OK SUBSCRIBE completed" : "OK UNSUBSCRIBE completed");
}

}  // namespace tern::imapd
