// QUOTA (RFC 9208): one quota root "" per account, from the users table's
// BYTES/MESSAGES (STORAGE in units of 1024 octets, MESSAGE in messages).
// GETQUOTAROOT and GETQUOTA report it; SETQUOTA is the administrator's
// (tern user quota), so clients get NO [NOPERM]. An account without limits
// has no quota root at all.
#include "imapd/session.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/store/quota.h"

namespace tern::imapd {

bool Session::quota_response() {
    auto used = store::quota_usage(maildir_root_, quota_);
    if (!used) {
        log::warning("quota of %s: %s", printable(user_).c_str(), used.error().message.c_str());
        return false;
    }
    std::string list;
    if (quota_.bytes)
        list += "STORAGE " + std::to_string((used->bytes + 1023) / 1024) + " " + std::to_string(quota_.bytes / 1024);
    if (quota_.messages) {
        if (!list.empty()) list += ' ';
        list += "MESSAGE " + std::to_string(used->messages) + " " + std::to_string(quota_.messages);
    }
    untagged("QUOTA \"\" (" + list + ")");
    return true;
}

void Session::cmd_getquotaroot(const std::string& tag, Parser& p) {
    auto name = folder_arg(tag, p, "Syntax: GETQUOTAROOT mailbox");
    if (!name) return;
    if (!p.at_end()) return bad(tag, "Syntax: GETQUOTAROOT mailbox");
    std::string folder;
    if (!mailbox_exists(*name, folder)) return tagged(tag, "NO [NONEXISTENT] Mailbox does not exist");
    if (quota_.none()) {
        untagged("QUOTAROOT " + folder_to_client(folder));
        return tagged(tag, "OK GETQUOTAROOT completed");
    }
    untagged("QUOTAROOT " + folder_to_client(folder) + " \"\"");
    if (!quota_response()) return tagged(tag, "NO [UNAVAILABLE] Cannot compute the quota");
    tagged(tag, "OK GETQUOTAROOT completed");
}

void Session::cmd_getquota(const std::string& tag, Parser& p) {
    auto root = p.space() ? p.astring() : std::nullopt;
    if (!root || !p.at_end()) return bad(tag, "Syntax: GETQUOTA quota-root");
    if (!root->empty() || quota_.none()) return tagged(tag, "NO [NONEXISTENT] No such quota root");
    if (!quota_response()) return tagged(tag, "NO [UNAVAILABLE] Cannot compute the quota");
    tagged(tag, "OK GETQUOTA completed");
}

void Session::cmd_setquota(const std::string& tag, Parser& p) {
    auto root = p.space() ? p.astring() : std::nullopt;
    if (!root || !p.space() || !p.peek('(')) return bad(tag, "Syntax: SETQUOTA quota-root (resource limit ...)");
    tagged(tag, "NO [NOPERM] Quotas are set by the administrator (tern user quota)");
}

bool Session::quota_allows(std::uint64_t bytes, std::uint64_t messages) {
    if (quota_.none()) return true;
    auto used = store::quota_usage(maildir_root_, quota_);
    if (!used) {
        log::warning("quota of %s: %s", printable(user_).c_str(), used.error().message.c_str());
        return true;  // the store's own errors (ENOSPC) still stop a write
    }
    return store::quota_allows(*used, quota_, bytes, messages);
}

}  // namespace tern::imapd
