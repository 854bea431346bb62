#include "libmail/auth/auth_client.h"

#include "libmail/event/event_ptrs.h"
#include "libmail/ipc/attr_channel.h"

namespace tern::auth {

namespace {

Verdict verdict_from(const ipc::AttrList& reply) {
    Verdict v;
    const std::string status = reply.get_or("status", "temp");
    if (status == "ok") v.kind = Verdict::Kind::Ok;
    else if (status == "fail") v.kind = Verdict::Kind::Fail;
    else if (status == "banned") v.kind = Verdict::Kind::Banned;
    else v.kind = Verdict::Kind::TempFail;
    v.user = reply.get_or("user", "");
    v.reason = reply.get_or("reason", "");
    return v;
}

class Check final : public PasswordCheck {
public:
    Check(event_base* base, const std::string& queue_dir, PasswordRequest req, Done done)
        : done_(std::move(done)), timer_(evtimer_new(base, on_timer, this)) {
        auto fd = ipc::connect_unix(ipc::service_path(queue_dir, true, "auth"));
        if (!fd) {
            result_.reason = "authd unreachable: " + fd.error().message;
            finish_soon();
            return;
        }
        chan_ = std::make_unique<ipc::AttrChannel>(base, std::move(*fd));
        chan_->on_message([this](ipc::AttrList&& reply) {
            result_ = verdict_from(reply);
            finish_soon();
        });
        chan_->on_close([this](const std::string& why) {
            if (!finished_) {
                result_.reason = "authd: " + why;
                finish_soon();
            }
        });
        chan_->send(ipc::AttrList{{"request", "password"}, {"user", req.user}, {"password", req.password},
                                  {"client_address", req.client_address}, {"service", req.service}});
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
        auto* self = static_cast<Check*>(ctx);
        if (!self->finished_) self->result_.reason = "authd did not answer in time";
        self->finished_ = true;
        auto done = std::move(self->done_);
        if (done) done(self->result_);  // may destroy self: touch nothing after this
    }

    Done done_;
    EventPtr timer_;
    std::unique_ptr<ipc::AttrChannel> chan_;
    Verdict result_;
    bool finished_ = false;
};

}  // namespace

std::unique_ptr<PasswordCheck> PasswordCheck::start(event_base* base, const std::string& queue_dir,
                                                    PasswordRequest req, Done done) {
    return std::make_unique<Check>(base, queue_dir, std::move(req), std::move(done));
}

}  // namespace tern::auth
