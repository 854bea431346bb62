// FailureTracker: the fail2ban job, done without parsing logs. It counts
// failed logins per client address and per account. An address with
// `failure_limit` failures within `window` is banned: the first ban lasts
// `ban_time`, each new ban of the same address twice the previous one, up to
// `ban_max_time`; an address that stayed unbanned for ban_max_time starts again
// at ban_time. An account with more failures than the limit (from any
// addresses) is only logged: banning the account would lock its owner out.
// Every ban and unban is one log line of a fixed shape (see failure_tracker.cc).
// Bans survive a restart: they are kept in a state file (state_path, written
// atomically at each ban, at most once per kMinSaveInterval, and by the sweep
// when something is left unsaved). Memory is bounded: at most kMaxTracked*
// addresses and accounts, kMaxBans bans.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tern::authd {

class FailureTracker {
public:
    // Wall clock: the end of a ban is written to disk and read back after a restart.
    using Clock = std::chrono::system_clock;

    struct Policy {
        int failure_limit = 10;
        std::chrono::seconds window{3600};
        std::chrono::seconds ban_time{3600};
        std::chrono::seconds ban_max_time{7 * 86400};
    };

    static constexpr std::size_t kMaxTrackedAddresses = 100000;  // memory bound under a spray attack
    static constexpr std::size_t kMaxTrackedAccounts = 100000;
    static constexpr std::size_t kMaxBans = 100000;              // also bounds the state file
    static constexpr std::size_t kMaxStateFileBytes = kMaxBans * 100;
    static constexpr std::size_t kMaxAddressBytes = 64;          // longer "addresses" are not counted
    static constexpr std::chrono::seconds kMinSaveInterval{1};

    // state_path empty: bans are kept in memory only (tests).
    explicit FailureTracker(Policy policy, std::string state_path = {});
    FailureTracker(int limit, std::chrono::seconds window, std::chrono::seconds ban_time)
        : FailureTracker(Policy{limit, window, ban_time, std::max(ban_time, std::chrono::seconds(7 * 86400))}) {}

    // Reads the state file written by an earlier run. A missing file is no
    // bans; an oversized or unreadable one is logged and ignored; a malformed
    // line is logged with FILE:LINE and skipped. Bans that ended before now are
    // not active (their count is kept for the escalation). Never fatal.
    void load(Clock::time_point now);

    bool is_banned(const std::string& address, Clock::time_point now) const;
    // When the address's current ban ends, or nullopt when it is not banned.
    std::optional<Clock::time_point> banned_until(const std::string& address, Clock::time_point now) const;

    // Records a failed login from address (numeric: [0-9A-Za-z.:%_-], at most
    // kMaxAddressBytes; anything else is not counted); account is the canonical account
    // name when the user exists ("" otherwise: unknown names are not tracked,
    // or a spray of made-up names would fill memory). Returns true when this
    // failure got the address banned (the ban is logged and saved).
    bool record_failure(const std::string& address, const std::string& account, Clock::time_point now);
    // A successful login forgets the address's failures (not its ban history).
    void record_success(const std::string& address) { failures_.erase(address); }

    // Logs the end of each ban that has ended, forgets ban histories older than
    // ban_max_time, and saves the state when anything changed. Returns how many
    // bans ended. authd calls it from a timer.
    int sweep(Clock::time_point now);
    // Bans of the address so far (escalation level), 0 when it has none on record.
    int ban_count(const std::string& address) const {
        auto it = bans_.find(address);
        return it == bans_.end() ? 0 : it->second.count;
    }

    const Policy& policy() const { return policy_; }

private:
    struct BanRecord {
        Clock::time_point until;
        int count = 0;              // bans of this address so far (escalation level)
        bool end_logged = false;    // the "unban" line was written
    };
    struct AccountFailures {
        std::deque<Clock::time_point> times;
        Clock::time_point warned{};  // last "under attack" warning
    };

    std::chrono::seconds duration_for(int count) const;
    void ban(const std::string& address, int failures, Clock::time_point now);
    void note_account_failure(const std::string& account, Clock::time_point now);
    void make_room_for_ban(Clock::time_point now);
    void save_if_due(Clock::time_point now);
    void save(Clock::time_point now);

    Policy policy_;
    std::string state_path_;
    std::unordered_map<std::string, std::deque<Clock::time_point>> failures_;
    std::unordered_map<std::string, AccountFailures> accounts_;
    std::unordered_map<std::string, BanRecord> bans_;
    Clock::time_point last_save_{};
    bool dirty_ = false;  // bans_ changed since the last save
};

// "2026-11-25T12:00:00Z" (UTC), as the ban lines print it.
std::string iso8601_utc(FailureTracker::Clock::time_point t);

}  // namespace tern::authd
