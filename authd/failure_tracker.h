// FailureTracker: counts failed logins per client address and bans an address
// after `limit` failures within `window`, for `ban_time`. The fail2ban job,
// done without parsing logs. In memory only for now (bans do not survive a
// restart of authd yet: issue #3).
#pragma once

#include <chrono>
#include <deque>
#include <string>
#include <unordered_map>

namespace tern::authd {

class FailureTracker {
public:
    using Clock = std::chrono::steady_clock;
    FailureTracker(int limit, std::chrono::seconds window, std::chrono::seconds ban_time)
        : limit_(limit), window_(window), ban_time_(ban_time) {}

    bool is_banned(const std::string& address, Clock::time_point now);
    // Records a failure; returns true when this failure got the address banned.
    bool record_failure(const std::string& address, Clock::time_point now);
    void record_success(const std::string& address) { failures_.erase(address); }

private:
    static constexpr std::size_t kMaxTrackedAddresses = 100000;  // memory bound under a spray attack
    int limit_;
    std::chrono::seconds window_;
    std::chrono::seconds ban_time_;
    std::unordered_map<std::string, std::deque<Clock::time_point>> failures_;
    std::unordered_map<std::string, Clock::time_point> banned_until_;
};

}  // namespace tern::authd
