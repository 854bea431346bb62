// Mailbox::append and Mailbox::copy_from: messages placed into a folder by
// imapd (APPEND, COPY, MOVE). Unlike local delivery (new/, numbered at the
// next sync) they go straight into cur/ under the index lock with their UID
// in the name, because the client is told that UID (RFC 4315 APPENDUID,
// COPYUID). Each file is durable before the index that lists it is written.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <optional>

#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/store/mailbox.h"
#include "libmail/store/mailbox_index.h"
#include "libmail/store/object_ids.h"
#include "libmail/store/quota.h"

namespace tern::store {

namespace {

// Writes message to d with CRLF turned into LF (the store keeps LF).
Result<void> write_lf(MaildirDelivery& d, std::string_view message) {
    while (!message.empty()) {
        const auto crlf = message.find("\r\n");
        if (crlf == std::string_view::npos) return d.write(message);
        if (auto r = d.write(message.substr(0, crlf)); !r) return r;
        if (auto r = d.write("\n"); !r) return r;
        message.remove_prefix(crlf + 2);
    }
    return {};
}

// Copies an open message file (already LF) into a new delivery.
Result<std::string> copy_content(const std::string& folder, int fd, std::int64_t when,
                                 std::optional<MaildirDelivery>& out) {
    auto begun = MaildirDelivery::begin(folder, when);
    if (!begun) return begun.error();
    auto& d = out.emplace(std::move(*begun));
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("read", folder);
        }
        if (n == 0) break;
        if (auto r = d.write(std::string_view(buf, static_cast<std::size_t>(n))); !r) return r.error();
    }
    return d.finish();
}

MessageInfo placed(std::uint32_t uid, const std::string& filename, std::string_view flags, std::string_view base,
                   std::int64_t internal_date) {
    MessageInfo m;
    m.uid = uid;
    m.filename = filename;
    m.flags = std::string(flags);
    m.size = name_size_field(base, 'W').value_or(0);
    m.internal_date = internal_date != 0 ? internal_date : static_cast<std::int64_t>(::time(nullptr));
    return m;
}

}  // namespace

Result<std::uint32_t> Mailbox::append(std::string_view message, std::string_view maildir_flags,
                                      std::int64_t internal_date, const std::vector<std::string>& keywords) {
    for (const auto& k : keywords)
        if (!valid_keyword(k)) return Error(EINVAL, "invalid keyword " + printable(k));
    auto d = MaildirDelivery::begin(path_, internal_date);
    if (!d) return d.error();
    if (auto r = write_lf(*d, message); !r) return r.error();
    auto base = d->finish();
    if (!base) return base.error();

    auto lock = IndexLock::acquire(path_);
    if (!lock) return lock.error();
    if (auto r = sync_locked(*lock); !r) return r.error();
    if (uidnext_ == UINT32_MAX) return Error(EOVERFLOW, path_ + ": UIDs exhausted");
    const std::uint32_t uid = uidnext_;
    const std::string flags = normalize_flags(maildir_flags);
    const std::string name = cur_filename(base_with_uid(*base, uid), flags);
    if (auto r = d->link_to(name); !r) return r.error();
    ++uidnext_;
    messages_.push_back(placed(uid, name, flags, *base, internal_date));
    auto& kw = messages_.back().keywords;
    kw = keywords;
    std::sort(kw.begin(), kw.end());
    kw.erase(std::unique(kw.begin(), kw.end()), kw.end());
    messages_.back().modseq = ++highestmodseq_;
    seen_.valid = false;
    note_own_changes();
    quota_change(root_, static_cast<std::int64_t>(messages_.back().size), 1);
    // The message is in place with its UID in the name: a failure to write
    // the index only costs a rebuild, so the APPEND has succeeded.
    if (auto r = write_index_locked(*lock); !r)
        log::warning("%s: index not written after APPEND: %s", path_.c_str(), r.error().message.c_str());
    return uid;
}

Result<std::vector<std::uint32_t>> Mailbox::copy_from(const Mailbox& from, const std::vector<std::uint32_t>& uids) {
    auto lock = IndexLock::acquire(path_);
    if (!lock) return lock.error();
    if (auto r = sync_locked(*lock); !r) return r.error();
    const std::size_t old_count = messages_.size();
    const std::uint32_t old_uidnext = uidnext_;
    const std::uint64_t modseq = highestmodseq_ + 1;
    std::vector<std::string> created;
    auto undo = [&](Error e) -> Result<std::vector<std::uint32_t>> {
        for (const auto& f : created) ::unlink((path_ + "/" + f).c_str());
        messages_.resize(old_count);
        uidnext_ = old_uidnext;
        seen_.valid = false;
        return e;
    };

    std::vector<std::uint32_t> out;
    out.reserve(uids.size());
    for (std::uint32_t uid : uids) {
        const long i = from.find(uid);
        if (i < 0) {
            out.push_back(0);
            continue;
        }
        const MessageInfo& m = from.messages()[static_cast<std::size_t>(i)];
        if (uidnext_ == UINT32_MAX) return undo(Error(EOVERFLOW, path_ + ": UIDs exhausted"));
        const std::uint32_t new_uid = uidnext_;
        const auto src_base = split_maildir_name(std::string_view(m.filename).substr(4)).base;
        std::string base = unique_maildir_name(m.internal_date);
        if (auto s = name_size_field(src_base, 'S')) base += ",S=" + std::to_string(*s);
        base += ",W=" + std::to_string(m.size);
        base = base_with_email_id(base, email_id(src_base));  // RFC 8474: a copy keeps its EMAILID
        std::string name = cur_filename(base_with_uid(base, new_uid), m.flags);
        // A hard link shares the (never modified) content; when the file was
        // renamed meanwhile, or links are impossible, the content is copied.
        if (::link((from.path() + "/" + m.filename).c_str(), (path_ + "/" + name).c_str()) != 0) {
            if (errno != ENOENT && errno != EXDEV && errno != EPERM && errno != EMLINK)
                return undo(sys_error("link", path_ + "/" + name));
            auto fd = from.open_message(uid);
            if (!fd) {
                if (fd.error().code != ENOENT) return undo(fd.error());
                out.push_back(0);  // expunged elsewhere meanwhile
                continue;
            }
            std::optional<MaildirDelivery> d;
            auto copied = copy_content(path_, fd->get(), m.internal_date, d);
            if (!copied) return undo(copied.error());
            base = base_with_email_id(*copied, email_id(src_base));
            name = cur_filename(base_with_uid(base, new_uid), m.flags);
            if (auto r = d->link_to(name); !r) return undo(r.error());
        }
        created.push_back(name);
        messages_.push_back(placed(new_uid, name, m.flags, base, m.internal_date));
        messages_.back().keywords = m.keywords;
        messages_.back().modseq = modseq;
        ++uidnext_;
        out.push_back(new_uid);
    }
    if (created.empty()) return out;
    if (auto r = fsync_dir(path_ + "/cur"); !r) return undo(r.error());
    std::int64_t added = 0;
    for (std::size_t i = old_count; i < messages_.size(); ++i) added += static_cast<std::int64_t>(messages_[i].size);
    quota_change(root_, added, static_cast<std::int64_t>(messages_.size() - old_count));
    highestmodseq_ = modseq;
    seen_.valid = false;
    note_own_changes();
    if (auto r = write_index_locked(*lock); !r)
        log::warning("%s: index not written after COPY: %s", path_.c_str(), r.error().message.c_str());
    return out;
}

}  // namespace tern::store
