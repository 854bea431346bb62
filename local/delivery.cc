#include "local/delivery.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "libmail/authres/quarantine.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/core/unique_fd.h"
#include "libmail/queue/delivery_log.h"
#include "libmail/queue/queue_file.h"
#include "libmail/store/mailbox.h"
#include "libmail/store/mailbox_index.h"
#include "libmail/store/folder_names.h"
#include "libmail/store/folders.h"
#include "libmail/store/mailbox_location.h"
#include "libmail/store/quota.h"

namespace tern::local {

struct QueueFileRef {
    const queue::QueueFile& qf;
};

namespace {

// While new/ is busy, a delivery's fsync of it waits this long for the
// deliveries finishing beside it, and one fsync serves them all: about a
// fifth of the disk requests of a delivery (qmgr hears a little later; the
// SMTP client had its 250 long before). libmail/core/dir_sync.h.
constexpr std::chrono::microseconds kNewDirGather{3000};

// ENOSPC and EDQUOT are the mailbox owner's (or the disk's) trouble: retry later.
std::string dsn_for_write_error(int code) { return code == ENOSPC || code == EDQUOT ? "4.2.2" : "4.3.0"; }

// Where a quarantined message goes: the Junk folder, created (and subscribed)
// when the user has none.
Result<std::string> junk_folder(const std::string& root) {
    std::string canonical;
    if (!store::folder_exists(root, authres::kQuarantineFolder, canonical)) {
        if (auto c = store::create_folder(root, authres::kQuarantineFolder); !c && c.error().code != EEXIST)
            return c.error();
        (void)store::set_subscribed(root, authres::kQuarantineFolder, true);
    }
    auto dir = store::to_maildir_dir(authres::kQuarantineFolder);
    if (!dir) return dir.error();
    return root + "/" + *dir;
}

}  // namespace

std::string delivery_headers(const std::string& sender, const std::string& recipient) {
    return "Return-Path: <" + sender + ">\nDelivered-To: " + recipient + "\n";
}

RecipientResult Deliverer::deliver_one(int queue_fd, const QueueFileRef& ref, const std::string& sender,
                                       const std::string& rcpt, const std::string& index,
                                       const AccountStates& accounts) {
    RecipientResult r{index, "deferred", "4.3.0", ""};
    if (auto acct = accounts.find(rcpt); acct != accounts.end()) {
        switch (acct->second.kind) {
        case auth::AccountVerdict::Kind::Disabled:
            // RFC 3463 X.2.1: the mailbox exists but accepts no messages; permanent until enabled.
            return {index, "bounced", "5.2.1", "mailbox disabled: \"" + printable(rcpt) + "\""};
        case auth::AccountVerdict::Kind::TempFail:
            log::warning("%s: account check failed: %s", printable(rcpt).c_str(), printable(acct->second.reason).c_str());
            r.reason = "account check failed: " + acct->second.reason;
            return r;
        case auth::AccountVerdict::Kind::Active:
        case auth::AccountVerdict::Kind::Unknown:
            break;
        }
    }
    // In Postfix a virtual_mailbox_maps value without a trailing "/" names an mbox file; Tern
    // writes Maildir only, so such an entry is a configuration error: keep the mail, warn.
    std::unique_lock<std::mutex> maps_held(maps_lock_);
    auto raw = maps_.lookup(rcpt);
    if (raw && !*raw) raw = maps_.lookup(to_lower(rcpt));
    if (raw && *raw && ((*raw)->empty() || (*raw)->back() != '/')) {
        log::warning("virtual_mailbox_maps: %s: \"%s\" names an mbox file (no trailing /); only Maildir is supported",
                     printable(rcpt).c_str(), printable(**raw).c_str());
        r.reason = "mailbox configuration error: mbox delivery is not supported";
        return r;
    }
    auto root = store::locate_maildir(maps_, base_, rcpt);
    maps_held.unlock();
    if (!root) {
        if (root.error().code == ENOENT) return {index, "bounced", "5.1.1", "unknown user: \"" + printable(rcpt) + "\""};
        log::warning("%s: %s", printable(rcpt).c_str(), root.error().message.c_str());
        r.reason = "mailbox lookup failed: " + root.error().message;
        return r;
    }
    // The quota authd reported: the message (at most its queue file's size)
    // must fit in what is left.
    store::QuotaLimit limit;
    if (auto acct = accounts.find(rcpt); acct != accounts.end() && acct->second.kind == auth::AccountVerdict::Kind::Active)
        limit = {acct->second.quota.bytes, acct->second.quota.messages};
    if (!limit.none()) {
        auto used = store::quota_usage(*root, limit);
        if (!used) {
            log::warning("%s: quota: %s", printable(rcpt).c_str(), used.error().message.c_str());
            r.reason = "quota check failed: " + used.error().message;
            return r;
        }
        if (!store::quota_allows(*used, limit, static_cast<std::uint64_t>(ref.qf.file_size))) {
            // RFC 3463 X.2.2: mailbox full.
            const std::string why = "mailbox full: quota exceeded for \"" + printable(rcpt) + "\"";
            if (quota_full_tempfail_) return {index, "deferred", "4.2.2", why};
            return {index, "bounced", "5.2.2", why};
        }
    }
    // A DMARC quarantine: the mark is looked for only in what Tern prepended.
    const bool quarantine = authres::has_quarantine_mark(ref.qf.prepend);
    std::string folder = *root;
    if (quarantine) {
        auto junk = junk_folder(*root);
        if (!junk) {
            r.dsn = dsn_for_write_error(junk.error().code);
            r.reason = "cannot create the Junk folder: " + junk.error().message;
            return r;
        }
        folder = *junk;
    }
    auto d = store::MaildirDelivery::begin(folder);
    if (!d) {
        r.dsn = dsn_for_write_error(d.error().code);
        r.reason = "cannot create Maildir file: " + d.error().message;
        return r;
    }
    if (auto w = d->write(delivery_headers(sender, rcpt)); !w) {
        r.dsn = dsn_for_write_error(w.error().code);
        r.reason = "write error: " + w.error().message;
        return r;
    }
    auto copied = queue::read_content(queue_fd, ref.qf, [&](std::string_view chunk) { return d->write(chunk); });
    if (!copied) {
        r.dsn = dsn_for_write_error(copied.error().code);
        r.reason = "write error: " + copied.error().message;
        return r;
    }
    auto name = d->commit(kNewDirGather);
    if (!name) {
        r.dsn = dsn_for_write_error(name.error().code);
        r.reason = "write error: " + name.error().message;
        return r;
    }
    if (auto size = store::name_size_field(*name, 'W')) store::quota_change(*root, static_cast<std::int64_t>(*size), 1);
    return {index, "sent", "2.0.0", quarantine ? "delivered to maildir folder Junk (quarantine)" : "delivered to maildir"};
}

ipc::AttrList Deliverer::handle(const ipc::AttrList& request, const AccountStates& accounts) {
    ipc::AttrList reply;
    if (request.get_or("request", "") != "deliver") {
        log::panic("unexpected request from qmgr: \"%s\"", printable(request.get_or("request", "")).c_str());
    }
    const std::string path = request.get_or("path", "");
    const std::string sender = request.get_or("sender", "");
    std::string queue_id = request.get_or("queue_id", "");
    if (queue_id.empty()) queue_id = path.substr(path.rfind('/') + 1);
    const auto rcpts = request.get_all("rcpt");
    const auto indexes = request.get_all("rcpt_index");
    if (rcpts.size() != indexes.size()) log::panic("malformed delivery request from qmgr");
    queue::Delays delays;
    auto answer = [&](std::string_view rcpt, const RecipientResult& r) {
        reply.add("rcpt_index", r.rcpt_index);
        reply.add("status", r.status);
        reply.add("dsn", r.dsn);
        reply.add("reason", r.reason);
        reply.add("action", "delivered");  // final delivery: a success notice when NOTIFY=SUCCESS
        queue::log_recipient_result(queue_id, rcpt, "local", delays, r.dsn, r.status, r.reason);
    };
    auto fail_all = [&](const std::string& reason) {
        for (std::size_t i = 0; i < rcpts.size(); ++i)
            answer(rcpts[i], {std::string(indexes[i]), "deferred", "4.3.0", reason});
        return reply;
    };
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return fail_all("cannot open queue file: " + sys_error("open", path).message);
    auto qf = queue::read_queue_file(fd.get(), path);
    if (!qf) return fail_all("cannot read queue file: " + qf.error().message);
    const double arrival = static_cast<double>(qf->env.arrival_sec) + qf->env.arrival_usec / 1e6;
    for (std::size_t i = 0; i < rcpts.size(); ++i) {
        const double started = queue::now_seconds();
        auto r = deliver_one(fd.get(), QueueFileRef{*qf}, sender, std::string(rcpts[i]), std::string(indexes[i]),
                             accounts);
        const double now = queue::now_seconds();
        delays.before_active = std::max(0.0, started - arrival);
        delays.transmission = now - started;
        answer(rcpts[i], r);
    }
    return reply;
}

}  // namespace tern::local
