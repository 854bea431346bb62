// AuthClient: asks authd (the only process that reads credentials) whether a
// user's password is right. One request, one connection to private/auth, on
// the caller's event loop. The callback runs once, from the loop, never from
// inside start(); destroying the PasswordCheck cancels it (no callback).
#pragma once

#include <event2/event.h>

#include <functional>
#include <memory>
#include <string>

namespace tern::auth {

struct Verdict {
    enum class Kind { Ok, Fail, TempFail, Banned };
    Kind kind = Kind::TempFail;
    std::string user;     // the canonical account name on Ok
    std::string reason;   // for the log line (never sent to the client as is)
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

}  // namespace tern::auth
