// One delivery request from qmgr: for each recipient, find its Maildir through
// virtual_mailbox_maps and deliver the queue file's message there with
// Return-Path and Delivered-To prepended, as Postfix's local/virtual do.
// Every result is final only after the Maildir file is fsync'ed in new/.
// Before that, the account state authd reported (local/account_gate.h) may
// refuse a recipient: a disabled account gets no mail.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "libmail/auth/auth_client.h"

#include "libmail/ipc/attr_codec.h"
#include "libmail/maps/map.h"

namespace tern::local {

struct QueueFileRef;

struct RecipientResult {
    std::string rcpt_index;
    std::string status;  // sent | deferred | bounced
    std::string dsn;     // 2.0.0, 4.x.x, 5.x.x
    std::string reason;
};

// authd's answer per recipient address as qmgr sent it (AccountGate).
using AccountStates = std::unordered_map<std::string, auth::AccountVerdict>;

// The header lines local adds before the message (LF line ends, as stored).
std::string delivery_headers(const std::string& sender, const std::string& recipient);

class Deliverer {
public:
    // quota_full_tempfail: an account over quota defers (4.2.2) instead of bouncing (5.2.2).
    Deliverer(maps::MapList maps, std::string mailbox_base, bool quota_full_tempfail = false)
        : maps_(std::move(maps)), base_(std::move(mailbox_base)), quota_full_tempfail_(quota_full_tempfail) {}

    // Handles request=deliver: queue file path, sender, repeated rcpt + rcpt_index.
    // The reply lists, per recipient, rcpt_index, status, dsn and reason.
    // accounts: authd's verdict per recipient; a recipient it lists as
    // Disabled is bounced (5.2.1 "mailbox disabled"), one whose check failed
    // (TempFail) is deferred (4.3.0); Active, Unknown (an address that is not
    // an account: the mailbox map decides) and unlisted ones are delivered,
    // unless an Active account's quota has no room (5.2.2, or 4.2.2 with
    // quota_full_tempfail).
    ipc::AttrList handle(const ipc::AttrList& request, const AccountStates& accounts = {});

private:
    RecipientResult deliver_one(int queue_fd, const QueueFileRef& qf, const std::string& sender,
                                const std::string& rcpt, const std::string& index, const AccountStates& accounts);
    maps::MapList maps_;
    std::mutex maps_lock_;  // handle() runs on several threads (local's delivery pool); a table is not thread-safe
    std::string base_;
    bool quota_full_tempfail_ = false;
};

}  // namespace tern::local
