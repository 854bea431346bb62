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

ipc::AttrList Authenticator::answer(const ipc::AttrList& req, FailureTracker::Clock::time_point now) {
    const std::string client = req.get_or("client_address", "");
    const std::string service = printable(req.get_or("service", "?"), 30);
    if (req.get_or("request", "") != "password") return {{"status", "temp"}, {"reason", "unknown request"}};
    if (failures_.is_banned(client, now)) return {{"status", "banned"}, {"reason", "client address is banned"}};
    if (!reload_if_changed()) return {{"status", "temp"}, {"reason", "users table unavailable"}};
    auto canon = auth::canonical_address(req.get_or("user", ""));
    const auth::Account* acct = canon ? auth::find_account(users_, *canon) : nullptr;
    // Hash even for unknown users so that the time taken does not tell which accounts exist.
    static const std::string kDummyHash = [] {
        auto h = auth::hash_password("tern-dummy");
        return h ? *h : std::string("$y$j9T$x$x");
    }();
    const bool match = auth::verify_password(req.get_or("password", ""), acct ? acct->hash : kDummyHash);
    if (acct && match && !acct->disabled) {
        failures_.record_success(client);
        return {{"status", "ok"}, {"user", acct->address}};
    }
    const std::string user = printable(req.get_or("user", ""), 100);
    const char* why = !acct ? "unknown user" : !match ? "wrong password" : "account disabled";
    log::warning("%s: authentication failed for %s from [%s]: %s", service.c_str(), user.c_str(),
                 printable(client, 60).c_str(), why);
    if (failures_.record_failure(client, now))
        log::warning("banning [%s] after too many authentication failures", printable(client, 60).c_str());
    return {{"status", "fail"}, {"reason", why}};
}

}  // namespace tern::authd
