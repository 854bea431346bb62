#include "authd/failure_tracker.h"

#include <ctime>

#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::authd {

// The log lines below are an interface: fail2ban-style filters match them
// (man/man8/authd.8 documents them; change them only with the man page).
//   warning: ban 192.0.2.1 for 3600s after 10 failed logins (until 2026-11-25T12:00:00Z)
//   unban 192.0.2.1 (ban ended 2026-11-25T12:00:00Z)
//   warning: account under attack: user=<a@b> failures=11 window=3600s (not locked: the owner may still log in)

namespace {

constexpr int kMaxBanCount = 64;  // 2^63 times any ban_time is past any ban_max_time

bool valid_address_text(std::string_view a) {
    if (a.empty() || a.size() > FailureTracker::kMaxAddressBytes) return false;
    for (char c : a)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == ':' ||
              c == '%' || c == '_' || c == '-'))
            return false;
    return true;
}

std::int64_t epoch_seconds(FailureTracker::Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string iso8601_utc(FailureTracker::Clock::time_point t) {
    const std::time_t s = static_cast<std::time_t>(epoch_seconds(t));
    std::tm tm{};
    ::gmtime_r(&s, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

FailureTracker::FailureTracker(Policy policy, std::string state_path)
    : policy_(policy), state_path_(std::move(state_path)) {
    if (policy_.failure_limit < 1) policy_.failure_limit = 1;
    if (policy_.ban_max_time < policy_.ban_time) policy_.ban_max_time = policy_.ban_time;
}

std::chrono::seconds FailureTracker::duration_for(int count) const {
    std::chrono::seconds d = policy_.ban_time;
    for (int i = 1; i < count && d < policy_.ban_max_time; ++i) d *= 2;
    return std::min(d, policy_.ban_max_time);
}

bool FailureTracker::is_banned(const std::string& address, Clock::time_point now) const {
    auto it = bans_.find(address);
    return it != bans_.end() && now < it->second.until;
}

std::optional<FailureTracker::Clock::time_point> FailureTracker::banned_until(const std::string& address,
                                                                              Clock::time_point now) const {
    auto it = bans_.find(address);
    if (it == bans_.end() || now >= it->second.until) return std::nullopt;
    return it->second.until;
}

bool FailureTracker::record_failure(const std::string& address, const std::string& account, Clock::time_point now) {
    if (!account.empty()) note_account_failure(account, now);
    // Only what the state file can hold is tracked; our daemons pass numeric addresses.
    if (!valid_address_text(address) || is_banned(address, now)) return false;
    if (failures_.size() >= kMaxTrackedAddresses && !failures_.count(address)) {
        std::erase_if(failures_, [&](const auto& kv) { return kv.second.empty() || now - kv.second.back() > policy_.window; });
        if (failures_.size() >= kMaxTrackedAddresses) failures_.clear();  // a spray attack: start counting afresh
    }
    auto& times = failures_[address];
    times.push_back(now);
    while (!times.empty() && now - times.front() > policy_.window) times.pop_front();
    const int count = static_cast<int>(times.size());
    if (count < policy_.failure_limit) return false;
    failures_.erase(address);
    ban(address, count, now);
    return true;
}

void FailureTracker::ban(const std::string& address, int failures, Clock::time_point now) {
    auto it = bans_.find(address);
    if (it != bans_.end() && now - it->second.until >= policy_.ban_max_time) {
        bans_.erase(it);  // good behaviour for ban_max_time: start again at ban_time
        it = bans_.end();
    }
    if (it == bans_.end()) {
        make_room_for_ban(now);
        it = bans_.emplace(address, BanRecord{}).first;
    }
    BanRecord& rec = it->second;
    rec.count = std::min(rec.count + 1, kMaxBanCount);
    const auto duration = duration_for(rec.count);
    rec.until = now + duration;
    rec.end_logged = false;
    log::warning("ban %s for %llds after %d failed logins (until %s)", address.c_str(),
                 static_cast<long long>(duration.count()), failures, iso8601_utc(rec.until).c_str());
    dirty_ = true;
    save_if_due(now);
}

void FailureTracker::make_room_for_ban(Clock::time_point now) {
    if (bans_.size() < kMaxBans) return;
    std::erase_if(bans_, [&](const auto& kv) { return kv.second.until <= now; });
    if (bans_.size() < kMaxBans) return;
    auto oldest = bans_.begin();
    for (auto it = bans_.begin(); it != bans_.end(); ++it)
        if (it->second.until < oldest->second.until) oldest = it;
    log::warning("%zu addresses banned at once: releasing [%s] early", bans_.size(), oldest->first.c_str());
    bans_.erase(oldest);
}

void FailureTracker::note_account_failure(const std::string& account, Clock::time_point now) {
    if (accounts_.size() >= kMaxTrackedAccounts && !accounts_.count(account)) {
        std::erase_if(accounts_, [&](const auto& kv) {
            return kv.second.times.empty() || now - kv.second.times.back() > policy_.window;
        });
        if (accounts_.size() >= kMaxTrackedAccounts) accounts_.clear();
    }
    auto& acct = accounts_[account];
    acct.times.push_back(now);
    while (!acct.times.empty() && now - acct.times.front() > policy_.window) acct.times.pop_front();
    const auto limit = static_cast<std::size_t>(policy_.failure_limit);
    if (acct.times.size() > limit + 1) acct.times.pop_front();  // enough to know it is over the limit
    if (acct.times.size() <= limit) return;
    if (acct.warned != Clock::time_point{} && now - acct.warned < policy_.window) return;  // once per window
    acct.warned = now;
    log::warning("account under attack: user=<%s> failures=%zu window=%llds (not locked: the owner may still log in)",
                 printable(account, 100).c_str(), acct.times.size(), static_cast<long long>(policy_.window.count()));
}

int FailureTracker::sweep(Clock::time_point now) {
    int ended = 0;
    bool changed = false;
    for (auto it = bans_.begin(); it != bans_.end();) {
        BanRecord& rec = it->second;
        if (!rec.end_logged && rec.until <= now) {
            log::info("unban %s (ban ended %s)", it->first.c_str(), iso8601_utc(rec.until).c_str());
            rec.end_logged = true;
            ++ended;
            changed = true;
        }
        if (now - rec.until >= policy_.ban_max_time) {
            it = bans_.erase(it);
            changed = true;
        } else {
            ++it;
        }
    }
    std::erase_if(failures_, [&](const auto& kv) { return kv.second.empty() || now - kv.second.back() > policy_.window; });
    std::erase_if(accounts_, [&](const auto& kv) {
        return (kv.second.times.empty() || now - kv.second.times.back() > policy_.window) &&
               now - kv.second.warned > policy_.window;
    });
    if (changed) dirty_ = true;
    if (dirty_) save(now);
    return ended;
}

void FailureTracker::save_if_due(Clock::time_point now) {
    // Under a spray attack every ban would rewrite a file of up to kMaxStateFileBytes:
    // at most one write per kMinSaveInterval, and sweep() writes what is left.
    if (last_save_ == Clock::time_point{} || now - last_save_ >= kMinSaveInterval || now < last_save_) save(now);
}

void FailureTracker::save(Clock::time_point now) {
    last_save_ = now;
    dirty_ = false;
    if (state_path_.empty()) return;
    std::string text = "# tern authd bans: CLIENT-ADDRESS BAN-END (unix seconds) BAN-COUNT. Rewritten by authd.\n";
    for (const auto& [address, rec] : bans_)
        text += address + " " + std::to_string(epoch_seconds(rec.until)) + " " + std::to_string(rec.count) + "\n";
    // Losing the file only loses bans: the environment's trouble, logged, never fatal.
    if (auto r = write_file_atomic(state_path_, text, 0600); !r)
        log::warning("cannot save bans: %s", r.error().message.c_str());
}

void FailureTracker::load(Clock::time_point now) {
    if (state_path_.empty()) return;
    auto text = read_file(state_path_, kMaxStateFileBytes);
    if (!text) {
        if (text.error().code != ENOENT) log::warning("ban list ignored: %s", text.error().message.c_str());
        return;
    }
    int lineno = 0, active = 0;
    std::string_view rest = *text;
    while (!rest.empty()) {
        ++lineno;
        const auto nl = rest.find('\n');
        std::string_view line = trim(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;
        const auto f = split_any(line, " \t");
        const auto until = f.size() == 3 ? parse_number<std::int64_t>(f[1]) : std::nullopt;
        const auto count = f.size() == 3 ? parse_number<int>(f[2]) : std::nullopt;
        if (f.size() != 3 || !valid_address_text(f[0]) || !until || *until < 0 || *until > (std::int64_t{1} << 33) ||
            !count || *count < 1 || *count > kMaxBanCount) {
            log::warning("%s:%d: malformed ban line ignored", state_path_.c_str(), lineno);
            continue;
        }
        if (bans_.size() >= kMaxBans) {
            log::warning("%s:%d: more than %zu bans: the rest is ignored", state_path_.c_str(), lineno, kMaxBans);
            break;
        }
        BanRecord rec;
        rec.until = Clock::time_point(std::chrono::seconds(*until));
        rec.count = *count;
        rec.end_logged = rec.until <= now;  // a ban that ended while authd was down
        if (now - rec.until >= policy_.ban_max_time) continue;
        if (!rec.end_logged) ++active;
        bans_[std::string(f[0])] = rec;
    }
    log::info("loaded %d active ban(s) from %s", active, state_path_.c_str());
}

}  // namespace tern::authd
