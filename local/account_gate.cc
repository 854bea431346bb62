#include "local/account_gate.h"

#include <algorithm>

namespace tern::local {

AccountGate::AccountGate(Starter start, const std::vector<std::string>& recipients, Done done)
    : start_(std::move(start)), todo_(recipients), done_(std::move(done)) {
    std::sort(todo_.begin(), todo_.end());
    todo_.erase(std::unique(todo_.begin(), todo_.end()), todo_.end());
    next();
}

void AccountGate::next() {
    if (todo_.empty()) {
        // done_ may destroy this gate (and the check whose callback we are in): touch nothing after it.
        auto done = std::move(done_);
        done(std::move(states_));
        return;
    }
    const std::string user = todo_.back();
    // AccountCheck calls back from the loop, never inside start(), so next() never recurses.
    check_ = start_(user, [this, user](const auth::AccountVerdict& v) {
        states_[user] = v;
        todo_.pop_back();
        next();
    });
}

}  // namespace tern::local
