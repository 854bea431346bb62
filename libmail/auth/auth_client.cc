#include "libmail/auth/auth_client.h"

#include "libmail/core/text.h"
#include "libmail/event/event_ptrs.h"
#include "libmail/ipc/attr_channel.h"

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

    Exchange(event_base* base, const std::string& queue_dir, const ipc::AttrList& request, Convert convert, Done done)
        : convert_(convert), done_(std::move(done)), timer_(evtimer_new(base, on_timer, this)) {
        result_.kind = Answer::Kind::TempFail;
        auto fd = ipc::connect_unix(ipc::service_path(queue_dir, true, "auth"));
        if (!fd) {
            result_.reason = "authd unreachable: " + fd.error().message;
            finish_soon();
            return;
        }
        chan_ = std::make_unique<ipc::AttrChannel>(base, std::move(*fd));
        chan_->on_message([this](ipc::AttrList&& reply) {
            if (finished_) return;
            result_ = convert_(reply);
            finish_soon();
        });
        chan_->on_close([this](const std::string& why) {
            if (!finished_) {
                result_.reason = "authd: " + why;
                finish_soon();
            }
        });
        chan_->send(request);
        const timeval limit{kReplyTimeoutSeconds, 0};
        evtimer_add(timer_.get(), &limit);
    }

private:
    static constexpr int kReplyTimeoutSeconds = 30;

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

    Convert convert_;
    Done done_;
    EventPtr timer_;
    std::unique_ptr<ipc::AttrChannel> chan_;
    Answer result_;
    bool finished_ = false;
};

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
    return std::make_unique<Exchange<PasswordCheck, Verdict>>(
        base, queue_dir,
        ipc::AttrList{{"request", "password"}, {"user", req.user}, {"password", req.password},
                      {"client_address", req.client_address}, {"service", req.service}},
        verdict_from, std::move(done));
}

std::unique_ptr<AccountCheck> AccountCheck::start(event_base* base, const std::string& queue_dir, std::string user,
                                                  Done done) {
    return std::make_unique<Exchange<AccountCheck, AccountVerdict>>(
        base, queue_dir, ipc::AttrList{{"request", "account"}, {"user", std::move(user)}}, account_from,
        std::move(done));
}

std::unique_ptr<BanCheck> BanCheck::start(event_base* base, const std::string& queue_dir, std::string client_address,
                                          Done done) {
    return std::make_unique<Exchange<BanCheck, BanVerdict>>(
        base, queue_dir, ipc::AttrList{{"request", "banned"}, {"client_address", std::move(client_address)}}, ban_from,
        std::move(done));
}

std::unique_ptr<MessageCount> MessageCount::start(event_base* base, const std::string& queue_dir, std::string user,
                                                  Done done) {
    return std::make_unique<Exchange<MessageCount, RateVerdict>>(
        base, queue_dir, ipc::AttrList{{"request", "message"}, {"user", std::move(user)}}, rate_from,
        std::move(done));
}

}  // namespace tern::auth
