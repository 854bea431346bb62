#include "authd/authenticator.h"

#include <sys/stat.h>

#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::authd {

bool Authenticator::reload_if_changed() {
    struct stat st{};
    if (::stat(users_path_.c_str(), &st) != 0) {
        log::warning("users table %s: %m", users_path_.c_str());
        return loaded_;  // keep serving the version we have
    }
    if (loaded_ && st.st_ino == users_ino_ && st.st_mtim.tv_sec == users_mtime_.tv_sec &&
        st.st_mtim.tv_nsec == users_mtime_.tv_nsec)
        return true;
    auto users = auth::load_users(users_path_);  // at most kMaxUsersFileBytes
    if (!users) {
        log::warning("users table: %s (keeping the previous version)", users.error().message.c_str());
        return loaded_;
    }
    users_ = std::move(*users);
    users_mtime_ = st.st_mtim;
    users_ino_ = st.st_ino;
    loaded_ = true;
    return true;
}

bool Authenticator::verify(std::string_view password, const std::string& hash) {
    ++hashes_;
    return auth::verify_password(password, hash);
}

ipc::AttrList Authenticator::answer(const ipc::AttrList& req, Clock::time_point now) {
    const std::string request = req.get_or("request", "");
    if (request == "password") return check_password(req, now);
    if (request == "account") return check_account(req);
    if (request == "banned")
        return {{"status", failures_.is_banned(req.get_or("client_address", ""), now) ? "banned" : "ok"}};
    if (request == "message") return count_message(req, now);
    return {{"status", "temp"}, {"reason", "unknown request"}};
}

ipc::AttrList Authenticator::check_password(const ipc::AttrList& req, Clock::time_point now) {
    const std::string client = req.get_or("client_address", "");
    if (failures_.is_banned(client, now)) return {{"status", "banned"}, {"reason", "client address is banned"}};
    if (!reload_if_changed()) return {{"status", "temp"}, {"reason", "users table unavailable"}};
    auto canon = auth::canonical_address(req.get_or("user", ""));
    const auth::Account* acct = canon ? auth::find_account(users_, *canon) : nullptr;
    // An unknown user costs one hash too, against a fixed hash of the default
    // method, so that the time taken does not tell which accounts exist.
    static const std::string kDummyHash = [] {
        auto h = auth::hash_password("tern-dummy");
        return h ? *h : std::string("$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7");
    }();
    const std::string password = req.get_or("password", "");
    bool match = verify(password, acct ? acct->hash : kDummyHash);
    std::string app_label;
    if (acct && !match && !acct->app_passwords.empty()) {
        const std::string app = auth::normalize_app_password(password);
        for (const auto& p : acct->app_passwords)
            if (verify(app, p.hash)) {
                match = true;
                app_label = p.label;
                break;
            }
    }
    if (acct && match && !acct->disabled) {
        failures_.record_success(client);
        ipc::AttrList ok{{"status", "ok"},
                         {"user", acct->address},
                         {"quota_bytes", std::to_string(acct->quota)},
                         {"quota_messages", std::to_string(acct->quota_messages)}};
        if (!app_label.empty()) ok.add("app_password", app_label);
        return ok;
    }
    const char* why = !acct ? "unknown user" : acct->disabled ? "account disabled" : "wrong password";
    log::info("login failed: client=[%s] user=<%s> service=%s reason=%s", printable(client, 64).c_str(),
              printable(req.get_or("user", ""), 100).c_str(), printable(req.get_or("service", "?"), 30).c_str(), why);
    // The right password of a disabled account is its owner's client, not an attack.
    if (!match) failures_.record_failure(client, acct ? acct->address : std::string(), now);
    return {{"status", "fail"}, {"reason", why}};
}

ipc::AttrList Authenticator::check_account(const ipc::AttrList& req) {
    if (!reload_if_changed()) return {{"status", "temp"}, {"reason", "users table unavailable"}};
    auto canon = auth::canonical_address(req.get_or("user", ""));
    const auth::Account* acct = canon ? auth::find_account(users_, *canon) : nullptr;
    if (!acct) return {{"status", "unknown"}};
    return {{"status", acct->disabled ? "disabled" : "active"},
            {"quota_bytes", std::to_string(acct->quota)},
            {"quota_messages", std::to_string(acct->quota_messages)}};
}

ipc::AttrList Authenticator::count_message(const ipc::AttrList& req, Clock::time_point now) {
    if (message_rate_limit_ <= 0) return {{"status", "ok"}};
    auto canon = auth::canonical_address(req.get_or("user", ""));
    if (!canon) return {{"status", "temp"}, {"reason", "malformed user name"}};
    if (messages_.size() >= kMaxRateTrackedUsers && !messages_.count(*canon)) {
        std::erase_if(messages_, [&](const auto& kv) { return kv.second.empty() || now - kv.second.back() >= kRateWindow; });
        if (messages_.size() >= kMaxRateTrackedUsers) messages_.clear();
    }
    auto& times = messages_[*canon];
    while (!times.empty() && now - times.front() >= kRateWindow) times.pop_front();
    if (times.size() >= static_cast<std::size_t>(message_rate_limit_)) {
        log::warning("message rate limit exceeded: user=<%s> limit=%d/hour", printable(*canon, 100).c_str(),
                     message_rate_limit_);
        return {{"status", "exceeded"}, {"reason", "more than " + std::to_string(message_rate_limit_) + " messages per hour"}};
    }
    times.push_back(now);
    return {{"status", "ok"}};
}

}  // namespace tern::authd
