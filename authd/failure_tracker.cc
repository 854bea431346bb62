#include "authd/failure_tracker.h"

namespace tern::authd {

bool FailureTracker::is_banned(const std::string& address, Clock::time_point now) {
    auto it = banned_until_.find(address);
    if (it == banned_until_.end()) return false;
    if (now < it->second) return true;
    banned_until_.erase(it);
    return false;
}

bool FailureTracker::record_failure(const std::string& address, Clock::time_point now) {
    if (address.empty()) return false;
    if (failures_.size() >= kMaxTrackedAddresses && !failures_.count(address)) failures_.clear();
    auto& times = failures_[address];
    times.push_back(now);
    while (!times.empty() && now - times.front() > window_) times.pop_front();
    if (static_cast<int>(times.size()) < limit_) return false;
    failures_.erase(address);
    banned_until_[address] = now + ban_time_;
    return true;
}

}  // namespace tern::authd
