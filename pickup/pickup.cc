#include "pickup/pickup.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <vector>

#include "libmail/cleanup/cleanup.h"
#include "libmail/cleanup/dkim_signing.h"
#include "libmail/cleanup/mail_date.h"
#include "libmail/cleanup/submit_stream.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/ipc/attr_channel.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_file.h"
#include "libmail/queue/queue_id.h"
#include "libmail/queue/queue_writer.h"

namespace tern::pickup {

namespace {

constexpr std::size_t kMaxTriggerBytes = 64;
// A postdrop that died before its commit leaves a dot-file; one this old is abandoned.
constexpr std::time_t kStaleTempSeconds = 24 * 3600;
// Envelope records around the content: sender, attributes, recipients.
constexpr std::uint64_t kEnvelopeSlackBytes = 1024 * 1024;
// How much of a refused message's header section goes back in the notification.
constexpr std::size_t kMaxReturnedHeaders = 32 * 1024;

bool valid_address(std::string_view a) {
    if (a.size() > cleanup::kMaxSubmitAddress) return false;
    return std::none_of(a.begin(), a.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 32 || u == 127;
    });
}

}  // namespace

Outcome Pickup::corrupt(const std::string& name, const std::string& what) {
    // The queue file reader names the file itself; it is named once here.
    const std::string prefix = "maildrop/" + name + ": ";
    const std::string problem = what.compare(0, prefix.size(), prefix) == 0 ? what.substr(prefix.size()) : what;
    const std::string from = queue::queue_path(queue_dir_, "maildrop", name);
    if (auto r = queue::move_queue_file(queue_dir_, "maildrop", "corrupt", name); r) {
        log::warning("maildrop/%s: %s: moved to corrupt/", printable(name).c_str(), printable(problem, 500).c_str());
    } else if (::unlink(from.c_str()) == 0) {
        log::warning("maildrop/%s: %s: removed (%s)", printable(name).c_str(), printable(problem, 500).c_str(),
                     r.error().message.c_str());
    } else {
        // Left in place: it will be logged again on the next scan, never crash the scan.
        log::warning("maildrop/%s: %s: cannot move or remove it: %m", printable(name).c_str(),
                     printable(problem, 500).c_str());
    }
    return Outcome::Corrupt;
}

Result<std::string> Pickup::bounce(int fd, const queue::QueueFile& qf, const std::string& sender,
                                   const cleanup::Verdict& v) {
    // The original header section only (bounded): enough to recognise the message.
    std::string head;
    bool done = false;
    auto rd = queue::read_content(fd, qf, [&](std::string_view b) -> Result<void> {
        if (done) return {};
        head.append(b.substr(0, kMaxReturnedHeaders + 1 - std::min(head.size(), kMaxReturnedHeaders + 1)));
        if (const auto end = head.find("\n\n"); end != std::string::npos) {
            head.resize(end + 1);
            done = true;
        } else if (head.size() > kMaxReturnedHeaders) {
            head.resize(kMaxReturnedHeaders);
            head += "\n[header section truncated]\n";
            done = true;
        }
        return {};
    });
    if (!rd) return rd.error();
    auto w = queue::QueueWriter::create(queue_dir_);
    if (!w) return w.error();
    const std::time_t now = std::time(nullptr);
    queue::Envelope env;
    env.arrival_sec = now;
    env.sender = "";  // RFC 5321 4.5.5: a notification is sent with the null sender
    env.attrs.emplace_back("protocol", "local");
    env.recipients.push_back({sender, "", 0});
    if (auto r = w->write_envelope(env); !r) return r.error();
    std::string msg;
    msg += "From: MAILER-DAEMON@" + s_.myhostname + " (Mail Delivery System)\n";
    msg += "To: " + sender + "\n";
    msg += "Subject: Undelivered Mail Returned to Sender\n";
    msg += "Date: " + cleanup::rfc5322_date(now) + "\n";
    msg += "Message-Id: " + cleanup::make_message_id(now, w->id(), s_.myhostname) + "\n";
    msg += "Auto-Submitted: auto-replied\n";
    msg += "MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n";
    msg += "This is the mail system at host " + s_.myhostname + ".\n\n";
    msg += "Your message was not delivered to anyone: the mail system refused it.\n\n";
    msg += "Reason: " + printable(v.reply.line(), 500) + "\n\n";
    msg += "--- The header section of your message follows ---\n\n";
    msg += head;
    if (auto r = w->write_content(msg); !r) return r.error();
    return w->commit();
}

Outcome Pickup::process(const std::string& name) {
    const std::string path = queue::queue_path(queue_dir_, "maildrop", name);
    if (!name.empty() && name[0] == '.') {
        struct stat st{};
        if (::lstat(path.c_str(), &st) == 0 && std::time(nullptr) - st.st_mtime > kStaleTempSeconds &&
            ::unlink(path.c_str()) == 0)
            log::warning("maildrop/%s: removed an abandoned temporary file", printable(name).c_str());
        return Outcome::Skipped;
    }
    // O_NOFOLLOW: a user with write access to maildrop/ must not make pickup read another file.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return Outcome::Skipped;
        if (errno == ELOOP) return corrupt(name, "is a symbolic link");
        log::warning("open %s: %m", path.c_str());
        return Outcome::Retry;
    }
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) {
        log::warning("fstat %s: %m", path.c_str());
        return Outcome::Retry;
    }
    if (!S_ISREG(st.st_mode)) return corrupt(name, "not a regular file");
    if (!queue::is_queue_id(name)) return corrupt(name, "file name is not a queue ID");
    const std::uint64_t max_file = s_.message_size_limit == 0
                                       ? 0
                                       : s_.message_size_limit + kEnvelopeSlackBytes +
                                             s_.recipient_limit * (cleanup::kMaxSubmitAddress + 8);
    if (max_file != 0 && static_cast<std::uint64_t>(st.st_size) > max_file)
        return corrupt(name, "file of " + std::to_string(st.st_size) + " bytes is larger than any submission");
    auto qf = queue::read_queue_file(fd.get(), "maildrop/" + name);
    if (!qf) return corrupt(name, qf.error().message);
    const queue::Envelope& in = qf->env;
    if (in.recipients.empty()) return corrupt(name, "no recipients");
    if (in.recipients.size() > s_.recipient_limit) return corrupt(name, "too many recipients");
    if (!in.sender.empty() && !valid_address(in.sender)) return corrupt(name, "bad sender address");
    for (const auto& r : in.recipients)
        if (r.address.empty() || !valid_address(r.address)) return corrupt(name, "bad recipient address");

    auto w = queue::QueueWriter::create(queue_dir_);
    if (!w) {
        log::warning("maildrop/%s: %s", name.c_str(), w.error().message.c_str());
        return Outcome::Retry;
    }
    // The file's owner is who submitted it (postdrop runs as the user, setgid only).
    const auto uid = static_cast<unsigned long>(st.st_uid);
    log::info("%s: uid=%lu from=<%s>", w->id().c_str(), uid, printable(in.sender).c_str());

    cleanup::CleanupOptions o;
    o.header_checks = s_.header_checks;
    o.add_missing_headers = true;
    o.add_missing_from = true;
    if (const std::string* fn = in.attr("full_name")) o.full_name = *fn;
    o.myhostname = s_.myhostname;
    o.myorigin = s_.myorigin;
    o.header_size_limit = s_.header_size_limit;
    o.header_section_size_limit = s_.header_section_size_limit;
    o.message_size_limit = s_.message_size_limit;
    o.log.client = "local";
    o.now = static_cast<std::time_t>(in.arrival_sec);
    cleanup::Cleanup c(o, *w);
    std::optional<cleanup::SigningObserver> signer;
    if (s_.signing) c.add_observer(&signer.emplace(*s_.signing));

    queue::Envelope env;
    env.arrival_sec = in.arrival_sec;
    env.arrival_usec = in.arrival_usec;
    env.sender = in.sender;
    env.attrs.emplace_back("protocol", "local");
    env.attrs.emplace_back("uid", std::to_string(uid));
    for (const auto& r : in.recipients) env.recipients.push_back({r.address, "", 0});
    if (auto r = c.write_envelope(std::move(env)); !r) {
        log::warning("%s: queue file write error: %s", w->id().c_str(), r.error().message.c_str());
        return Outcome::Retry;
    }
    // Postfix's pickup trace header: who submitted, under which queue ID, when.
    const std::string received = "Received: by " + s_.myhostname + " (" + s_.mail_name + ", from userid " +
                                 std::to_string(uid) + ")\n\tid " + w->id() + "; " +
                                 cleanup::rfc5322_date(o.now) + "\n";
    if (auto r = w->write_content(received); !r) {
        log::warning("%s: queue file write error: %s", w->id().c_str(), r.error().message.c_str());
        return Outcome::Retry;
    }
    auto rd = queue::read_content(fd.get(), *qf, [&](std::string_view bytes) -> Result<void> {
        c.feed(bytes);
        return {};
    });
    if (!rd) {
        w->abort();
        return corrupt(name, rd.error().message);
    }
    c.end_content();
    if (signer) signer->apply(c, w->id(), o.now);
    const cleanup::Verdict v = c.finish();
    Outcome out = Outcome::Retry;
    switch (v.action) {
    case cleanup::Action::Accept:
        out = Outcome::Queued;
        break;
    case cleanup::Action::Hold:
        out = Outcome::Held;
        break;
    case cleanup::Action::Discard:
        out = Outcome::Discarded;
        break;
    case cleanup::Action::Reject:
        // As Postfix's cleanup does for local mail: the sender learns why (sendmail
        // itself has long exited). If the notice cannot be queued, try again later.
        if (!in.sender.empty()) {
            auto notice = bounce(fd.get(), *qf, c.sender(), v);
            if (!notice) {
                log::warning("%s: cannot queue a non-delivery notification: %s", v.queue_id.c_str(),
                             notice.error().message.c_str());
                return Outcome::Retry;
            }
            log::info("%s: sender non-delivery notification: %s", v.queue_id.c_str(), notice->c_str());
            ipc::send_trigger(queue_dir_, "qmgr", ipc::kTriggerIncoming);
        }
        out = Outcome::Rejected;
        break;
    case cleanup::Action::Tempfail:
        log::warning("maildrop/%s: %s: will try again", name.c_str(), v.reply.line().c_str());
        return Outcome::Retry;
    }
    // Only now that the message is committed (or deliberately refused) does
    // the maildrop copy go: a crash before this line means a duplicate.
    if (::unlink(path.c_str()) != 0) log::warning("unlink %s: %m", path.c_str());
    return out;
}

std::size_t Pickup::scan() {
    const std::string dir = queue_dir_ + "/maildrop";
    std::vector<std::string> names;
    {
        DIR* d = ::opendir(dir.c_str());
        if (!d) {
            log::warning("opendir %s: %m", dir.c_str());
            return 0;
        }
        while (dirent* e = ::readdir(d)) {
            const std::string_view n = e->d_name;
            if (n != "." && n != "..") names.emplace_back(n);
        }
        ::closedir(d);
    }
    std::sort(names.begin(), names.end());  // queue IDs start with the time: oldest first
    std::size_t queued = 0;
    for (const auto& n : names) {
        const Outcome o = process(n);
        if (o == Outcome::Queued) ++queued;
    }
    if (queued > 0) ipc::send_trigger(queue_dir_, "qmgr", ipc::kTriggerIncoming);
    return queued;
}

PickupServer::PickupServer(event_base* base, Pickup& pickup, std::chrono::seconds every)
    : base_(base), pickup_(pickup) {
    periodic_.reset(event_new(base_, -1, EV_PERSIST, on_periodic, this));
    const timeval tv{static_cast<time_t>(every.count()), 0};
    event_add(periodic_.get(), &tv);
    pickup_.scan();  // whatever arrived while pickup was not running
}

void PickupServer::on_periodic(evutil_socket_t, short, void* ctx) noexcept {
    static_cast<PickupServer*>(ctx)->pickup_.scan();
}

void PickupServer::accept_trigger(UniqueFd fd) {
    const int raw = fd.get();
    EventPtr ev(event_new(base_, raw, EV_READ | EV_PERSIST, on_trigger_read, this));
    event_add(ev.get(), nullptr);
    (void)fd.release();  // owned by the event entry; closed in on_trigger_read
    conns_.emplace(raw, std::move(ev));
}

void PickupServer::on_trigger_read(evutil_socket_t fd, short, void* ctx) noexcept {
    auto* self = static_cast<PickupServer*>(ctx);
    char buf[kMaxTriggerBytes];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
        // Any trigger byte means "look at maildrop/"; several mean one scan.
        self->pickup_.scan();
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    self->conns_.erase(fd);  // frees the event first
    ::close(fd);
}

}  // namespace tern::pickup
