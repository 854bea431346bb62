// AuthClient: asks authd (the only process that reads credentials and keeps
// failure counts) a question, on the caller's event loop: on a connection of
// its own to private/auth, or (the overloads taking a pool) on a connection
// kept open between questions, which busy daemons (smtpd, local) use. Every kind of check below has the same contract:
// the callback runs exactly once, from the loop, never from inside start();
// destroying the check object cancels it (no callback). authd unreachable, a
// closed connection or no answer within 30 seconds gives the TempFail kind.
// Requests and replies: authd/authenticator.h.
#pragma once

#include <event2/event.h>

#include <functional>
#include <memory>
#include <cstdint>
#include <string>

namespace tern::ipc {
class ChannelPool;
}

namespace tern::auth {

class AccountCache;

// An account's quota (users table QUOTA field); 0 = no limit.
struct Quota {
    std::uint64_t bytes = 0;
    std::uint64_t messages = 0;
};

// --- request=password: log in with the main password or an app password ----
struct Verdict {
    enum class Kind { Ok, Fail, TempFail, Banned };
    Kind kind = Kind::TempFail;
    std::string user;     // the canonical account name on Ok
    std::string reason;   // for the log line (never sent to the client as is)
    Quota quota;          // on Ok
};

struct PasswordRequest {
    std::string user;            // as the client gave it
    std::string password;
    std::string client_address;  // for failure counting and bans
    std::string service;         // "smtpd", "imapd", "pop3d"
};

class PasswordCheck {
public:
    using Done = std::function<void(const Verdict&)>;
    virtual ~PasswordCheck() = default;
    // queue_dir locates private/auth.
    static std::unique_ptr<PasswordCheck> start(event_base* base, const std::string& queue_dir,
                                                PasswordRequest req, Done done);
};

// --- request=account: may this account log in and receive mail? -------------
// For local before a delivery and for smtpd's RCPT check (550 5.2.1 when Disabled).
struct AccountVerdict {
    enum class Kind { Active, Disabled, Unknown, TempFail };
    Kind kind = Kind::TempFail;
    std::string reason;  // on TempFail, for the log line
    Quota quota;         // on Active
};

class AccountCheck {
public:
    using Done = std::function<void(const AccountVerdict&)>;
    virtual ~AccountCheck() = default;
    // user: an address as given (authd canonicalises it; a malformed one is Unknown).
    static std::unique_ptr<AccountCheck> start(event_base* base, const std::string& queue_dir, std::string user,
                                               Done done);
    // cache (may be null): a verdict answered while the users table was as it is now
    // is given without asking (still from the loop); new answers are kept there.
    static std::unique_ptr<AccountCheck> start(ipc::ChannelPool& authd, AccountCache* cache, std::string user,
                                               Done done);
};

// --- request=banned: is this client address banned? --------------------------
// smtpd asks when a client connects and refuses a banned one.
struct BanVerdict {
    enum class Kind { Ok, Banned, TempFail };
    Kind kind = Kind::TempFail;
    std::string reason;  // on TempFail, for the log line
};

class BanCheck {
public:
    using Done = std::function<void(const BanVerdict&)>;
    virtual ~BanCheck() = default;
    static std::unique_ptr<BanCheck> start(event_base* base, const std::string& queue_dir,
                                           std::string client_address, Done done);
};

// --- request=message: count one submitted message against the user's hourly limit
// (smtpd_user_message_rate_limit). Exceeded: smtpd answers 450 4.7.1; the refused
// message is not counted.
struct RateVerdict {
    enum class Kind { Ok, Exceeded, TempFail };
    Kind kind = Kind::TempFail;
    std::string reason;  // on TempFail, for the log line
};

class MessageCount {
public:
    using Done = std::function<void(const RateVerdict&)>;
    virtual ~MessageCount() = default;
    // user: the authenticated (canonical) account name, Verdict::user.
    static std::unique_ptr<MessageCount> start(event_base* base, const std::string& queue_dir, std::string user,
                                               Done done);
    static std::unique_ptr<MessageCount> start(ipc::ChannelPool& authd, std::string user, Done done);
};

}  // namespace tern::auth
