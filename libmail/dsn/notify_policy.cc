#include "libmail/dsn/notify_policy.h"

#include "libmail/core/text.h"

namespace tern::dsn {

std::string_view action_name(Action a) {
    switch (a) {
    case Action::Failed: return "failed";
    case Action::Delayed: return "delayed";
    case Action::Delivered: return "delivered";
    case Action::Relayed: return "relayed";
    case Action::Expanded: return "expanded";
    }
    return "failed";
}

std::uint8_t notify_of(const queue::Envelope& env, std::string_view address) {
    for (const auto& r : env.recipients)
        if (r.address == address) return r.notify;
    for (const auto& r : env.recipients)  // the domain part is case-insensitive; be lenient
        if (iequals(r.address, address)) return r.notify;
    return 0;
}

std::optional<NoticeKind> notice_kind_for(Action action, std::uint8_t notify) {
    if (notify & queue::kNotifyNever) return std::nullopt;
    const bool given = notify != 0;
    switch (action) {
    case Action::Failed:
        if (!given || (notify & queue::kNotifyFailure)) return NoticeKind::Bounce;
        return std::nullopt;
    case Action::Delayed:
        // RFC 3461 4.1 leaves the default to the MTA; Postfix warns about delays by default.
        if (!given || (notify & queue::kNotifyDelay)) return NoticeKind::Delay;
        return std::nullopt;
    case Action::Delivered:
    case Action::Relayed:
    case Action::Expanded:
        if (notify & queue::kNotifySuccess) return NoticeKind::Success;
        return std::nullopt;
    }
    return std::nullopt;
}

std::vector<Notice> plan_notices(const queue::Envelope& env, std::span<const RecipientResult> results,
                                 const Settings& s) {
    std::vector<Notice> out;
    // Postfix: mail to the double-bounce address that fails is dropped, which
    // ends any loop between two postmasters.
    if (iequals(env.sender, s.double_bounce_address())) return out;
    const bool null_sender = env.sender.empty();
    for (NoticeKind kind : {NoticeKind::Bounce, NoticeKind::Delay, NoticeKind::Success}) {
        Notice n;
        n.kind = kind;
        for (std::size_t i = 0; i < results.size(); ++i) {
            const auto k = notice_kind_for(results[i].action, notify_of(env, results[i].address));
            if (k && *k == kind) n.results.push_back(i);
        }
        if (n.results.empty()) continue;
        if (null_sender) {
            // RFC 3461 6.2: never a DSN for a DSN. A failure is still news for the
            // postmaster (Postfix's double bounce), sent from an address whose own
            // failures are dropped above.
            if (kind != NoticeKind::Bounce) continue;
            n.double_bounce = true;
            n.sender = s.double_bounce_address();
            n.recipient = s.postmaster;
        } else {
            n.sender = "";
            n.recipient = env.sender;
        }
        out.push_back(std::move(n));
    }
    return out;
}

}  // namespace tern::dsn
