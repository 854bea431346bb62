// AccountGate: before local delivers a request, it asks authd (the only
// process that reads the users table) whether each recipient's account is
// active, disabled or unknown (auth::AccountCheck over private/auth). One
// question at a time, each distinct recipient once, so a request with many
// recipients never floods authd. The callback runs once, from the loop, when
// every recipient has an answer (TempFail when authd could not answer);
// destroying the gate cancels it. With no recipients at all it runs at once,
// inside the constructor.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "libmail/auth/auth_client.h"
#include "local/delivery.h"

namespace tern::local {

class AccountGate {
public:
    // Starts one check (AccountCheck::start in local, a fake in tests).
    using Starter = std::function<std::unique_ptr<auth::AccountCheck>(std::string user, auth::AccountCheck::Done)>;
    using Done = std::function<void(AccountStates)>;

    AccountGate(Starter start, const std::vector<std::string>& recipients, Done done);
    AccountGate(const AccountGate&) = delete;
    AccountGate& operator=(const AccountGate&) = delete;

private:
    void next();

    Starter start_;
    std::vector<std::string> todo_;  // distinct recipients, asked from the back
    AccountStates states_;
    Done done_;
    std::unique_ptr<auth::AccountCheck> check_;
};

}  // namespace tern::local
