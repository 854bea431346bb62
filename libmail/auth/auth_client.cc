#include "libmail/auth/auth_client.h"

#include <optional>

#include "libmail/auth/account_cache.h"
#include "libmail/core/text.h"
#include "libmail/event/event_ptrs.h"
#include "libmail/ipc/attr_channel.h"
#include "libmail/ipc/channel_pool.h"

namespace tern::auth {

namespace {

// One request to authd and its reply. Interface is the public check class,
// Answer its verdict type; to_answer() turns a reply into an Answer, and an
// error (no reply) becomes an Answer whose kind is TempFail.
template <class Interface, class Answer>
class Exchange final : public Interface {
public:
    using Done = std::function<void(const Answer&)>;
    using Convert = Answer (*)(const ipc::AttrList&);

    // pool: a kept connection from it, given back after the answer; null: a connection of its own to path.
    Exchange(event_base* base, std::string path, ipc::ChannelPool* pool, ipc::AttrList request, Convert convert,
             Done done)
        : path_(std::move(path)),
          pool_(pool),
          request_(std::move(request)),
          convert_(convert),
          done_(std::move(done)),
          timer_(evtimer_new(base, on_timer, this)) {
        result_.kind = Answer::Kind::TempFail;
        transmit(base, false);
        if (finished_) return;
        const timeval limit{kReplyTimeoutSeconds, 0};
        evtimer_add(timer_.get(), &limit);
    }

private:
    static constexpr int kReplyTimeoutSeconds = 30;

    void transmit(event_base* base, bool fresh) {
        bool reused = false;
        if (pool_) {
            auto lease = pool_->take(fresh);
            if (!lease) return unreachable(lease.error().message);
            chan_ = std::move(lease->chan);
            reused = lease->reused;
        } else {
            auto fd = ipc::connect_unix(path_);
            if (!fd) return unreachable(fd.error().message);
            chan_ = std::make_unique<ipc::AttrChannel>(base, std::move(*fd));
        }
        chan_->on_message([this](ipc::AttrList&& reply) {
            if (finished_) return;
            result_ = convert_(reply);
            if (pool_) pool_->give_back(std::move(chan_));
            finish_soon();
        });
        chan_->on_close([this, base, reused](const std::string& why) {
            if (finished_) return;
            if (reused && !resent_) {
                // A kept connection authd closed (restarted): ask once more on a new one.
                resent_ = true;
                old_chan_ = std::move(chan_);  // freed with this exchange, not inside its own callback
                return transmit(base, true);
            }
            result_.reason = "authd: " + why;
            finish_soon();
        });
        chan_->send(request_);
    }
    void unreachable(const std::string& why) {
        result_.reason = "authd unreachable: " + why;
        finish_soon();
    }
    // The callback always runs from the loop, never inside start() or inside a channel callback.
    void finish_soon() {
        finished_ = true;
        const timeval now{0, 0};
        evtimer_add(timer_.get(), &now);
    }
    static void on_timer(evutil_socket_t, short, void* ctx) noexcept {
        auto* self = static_cast<Exchange*>(ctx);
        if (!self->finished_) self->result_.reason = "authd did not answer in time";
        self->finished_ = true;
        auto done = std::move(self->done_);
        if (done) done(self->result_);  // may destroy self: touch nothing after this
    }

    std::string path_;
    ipc::ChannelPool* pool_;
    ipc::AttrList request_;
    Convert convert_;
    Done done_;
    EventPtr timer_;
    std::unique_ptr<ipc::AttrChannel> chan_;
    std::unique_ptr<ipc::AttrChannel> old_chan_;
    Answer result_;
    bool finished_ = false;
    bool resent_ = false;
};

template <class Interface, class Answer>
std::unique_ptr<Interface> ask(event_base* base, const std::string& queue_dir, ipc::AttrList request,
                               Answer (*convert)(const ipc::AttrList&), std::function<void(const Answer&)> done) {
    return std::make_unique<Exchange<Interface, Answer>>(base, ipc::service_path(queue_dir, true, "auth"), nullptr,
                                                         std::move(request), convert, std::move(done));
}

template <class Interface, class Answer>
std::unique_ptr<Interface> ask(ipc::ChannelPool& pool, ipc::AttrList request, Answer (*convert)(const ipc::AttrList&),
                               std::function<void(const Answer&)> done) {
    return std::make_unique<Exchange<Interface, Answer>>(pool.base(), pool.path(), &pool, std::move(request), convert,
                                                         std::move(done));
}

// Missing or malformed quota attributes (an older authd) mean no limit.
Quota quota_from(const ipc::AttrList& reply) {
    Quota q;
    q.bytes = parse_number<std::uint64_t>(reply.get_or("quota_bytes", "0")).value_or(0);
    q.messages = parse_number<std::uint64_t>(reply.get_or("quota_messages", "0")).value_or(0);
    return q;
}

Verdict verdict_from(const ipc::AttrList& reply) {
    Verdict v;
    const std::string status = reply.get_or("status", "temp");
    if (status == "ok") v.kind = Verdict::Kind::Ok;
    else if (status == "fail") v.kind = Verdict::Kind::Fail;
    else if (status == "banned") v.kind = Verdict::Kind::Banned;
    else v.kind = Verdict::Kind::TempFail;
    v.user = reply.get_or("user", "");
    v.reason = reply.get_or("reason", "");
    v.quota = quota_from(reply);
    return v;
}

AccountVerdict account_from(const ipc::AttrList& reply) {
    AccountVerdict v;
    const std::string status = reply.get_or("status", "temp");
    if (status == "active") v.kind = AccountVerdict::Kind::Active;
    else if (status == "disabled") v.kind = AccountVerdict::Kind::Disabled;
    else if (status == "unknown") v.kind = AccountVerdict::Kind::Unknown;
    else v.kind = AccountVerdict::Kind::TempFail;
    v.reason = reply.get_or("reason", "");
    v.quota = quota_from(reply);
    return v;
}

BanVerdict ban_from(const ipc::AttrList& reply) {
    BanVerdict v;
    const std::string status = reply.get_or("status", "temp");
    if (status == "ok") v.kind = BanVerdict::Kind::Ok;
    else if (status == "banned") v.kind = BanVerdict::Kind::Banned;
    else v.kind = BanVerdict::Kind::TempFail;
    v.reason = reply.get_or("reason", "");
    return v;
}

RateVerdict rate_from(const ipc::AttrList& reply) {
    RateVerdict v;
    const std::string status = reply.get_or("status", "temp");
    if (status == "ok") v.kind = RateVerdict::Kind::Ok;
    else if (status == "exceeded") v.kind = RateVerdict::Kind::Exceeded;
    else v.kind = RateVerdict::Kind::TempFail;
    v.reason = reply.get_or("reason", "");
    return v;
}

}  // namespace

std::unique_ptr<PasswordCheck> PasswordCheck::start(event_base* base, const std::string& queue_dir,
                                                    PasswordRequest req, Done done) {
    return ask<PasswordCheck, Verdict>(
        base, queue_dir,
        ipc::AttrList{{"request", "password"}, {"user", req.user}, {"password", req.password},
                      {"client_address", req.client_address}, {"service", req.service}},
        verdict_from, std::move(done));
}

std::unique_ptr<AccountCheck> AccountCheck::start(event_base* base, const std::string& queue_dir, std::string user,
                                                  Done done) {
    return ask<AccountCheck, AccountVerdict>(base, queue_dir, ipc::AttrList{{"request", "account"}, {"user", std::move(user)}},
                                             account_from, std::move(done));
}

namespace {

// A verdict already known, given from the loop like an answer.
class KnownAccount final : public AccountCheck {
public:
    KnownAccount(event_base* base, AccountVerdict v, Done done)
        : verdict_(std::move(v)), done_(std::move(done)), timer_(evtimer_new(base, on_timer, this)) {
        const timeval now{0, 0};
        evtimer_add(timer_.get(), &now);
    }

private:
    static void on_timer(evutil_socket_t, short, void* ctx) noexcept {
        auto* self = static_cast<KnownAccount*>(ctx);
        auto done = std::move(self->done_);
        if (done) done(self->verdict_);  // may destroy self
    }
    AccountVerdict verdict_;
    Done done_;
    EventPtr timer_;
};

}  // namespace

std::unique_ptr<AccountCheck> AccountCheck::start(ipc::ChannelPool& authd, AccountCache* cache, std::string user,
                                                  Done done) {
    std::optional<AccountCache::FileId> file;
    if (cache && (file = cache->identify())) {  // stat'ed before asking: a change meanwhile is seen next time
        if (const AccountVerdict* known = cache->find(user, *file))
            return std::make_unique<KnownAccount>(authd.base(), *known, std::move(done));
        done = [cache, user, id = *file, done = std::move(done)](const AccountVerdict& v) {
            cache->remember(user, id, v);
            done(v);
        };
    }
    return ask<AccountCheck, AccountVerdict>(authd, ipc::AttrList{{"request", "account"}, {"user", std::move(user)}},
                                             account_from, std::move(done));
}

std::unique_ptr<BanCheck> BanCheck::start(event_base* base, const std::string& queue_dir, std::string client_address,
                                          Done done) {
    return ask<BanCheck, BanVerdict>(base, queue_dir,
                                     ipc::AttrList{{"request", "banned"}, {"client_address", std::move(client_address)}},
                                     ban_from, std::move(done));
}

std::unique_ptr<MessageCount> MessageCount::start(event_base* base, const std::string& queue_dir, std::string user,
                                                  Done done) {
    return ask<MessageCount, RateVerdict>(base, queue_dir, ipc::AttrList{{"request", "message"}, {"user", std::move(user)}},
                                          rate_from, std::move(done));
}

std::unique_ptr<MessageCount> MessageCount::start(ipc::ChannelPool& authd, std::string user, Done done) {
    return ask<MessageCount, RateVerdict>(authd, ipc::AttrList{{"request", "message"}, {"user", std::move(user)}},
                                          rate_from, std::move(done));
}

}  // namespace tern::auth
