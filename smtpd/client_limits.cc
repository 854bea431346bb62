#include "smtpd/client_limits.h"

namespace tern::smtpd {

ClientLimits::Verdict ClientLimits::admit(const std::string& address, Clock::time_point now) {
    if (count_limit_ > 0) {
        auto it = open_.find(address);
        if (it != open_.end() && it->second >= count_limit_) return Verdict::TooManyConnections;
    }
    if (rate_limit_ > 0) {
        if (recent_.size() >= kMaxTrackedClients && !recent_.count(address)) {
            // Forget histories that no longer matter; if all still do, forget one.
            for (auto it = recent_.begin(); it != recent_.end();) {
                if (it->second.empty() || now - it->second.back() >= rate_unit_) it = recent_.erase(it);
                else ++it;
            }
            if (recent_.size() >= kMaxTrackedClients) recent_.erase(recent_.begin());
        }
        auto& times = recent_[address];
        while (!times.empty() && now - times.front() >= rate_unit_) times.pop_front();
        if (static_cast<int>(times.size()) >= rate_limit_) return Verdict::TooFast;
        times.push_back(now);
    }
    ++open_[address];
    return Verdict::Ok;
}

void ClientLimits::release(const std::string& address) {
    auto it = open_.find(address);
    if (it == open_.end()) return;
    if (--it->second <= 0) open_.erase(it);
}

int ClientLimits::open_connections(const std::string& address) const {
    auto it = open_.find(address);
    return it == open_.end() ? 0 : it->second;
}

bool PassList::passed(const std::string& address, Clock::time_point now) const {
    auto it = passed_.find(address);
    return it != passed_.end() && now - it->second < ttl_;
}

void PassList::add(const std::string& address, Clock::time_point now) {
    if (passed_.size() >= kMaxEntries && !passed_.count(address)) {
        for (auto it = passed_.begin(); it != passed_.end();) {
            if (now - it->second >= ttl_) it = passed_.erase(it);
            else ++it;
        }
        if (passed_.size() >= kMaxEntries) {
            auto oldest = passed_.begin();
            for (auto it = passed_.begin(); it != passed_.end(); ++it)
                if (it->second < oldest->second) oldest = it;
            passed_.erase(oldest);
        }
    }
    passed_[address] = now;
}

}  // namespace tern::smtpd
