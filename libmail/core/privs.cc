#include "libmail/core/privs.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <vector>

#include "libmail/core/text.h"

namespace tern {

Result<UserIds> lookup_user(const std::string& name_or_uid) {
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    int rc;
    if (auto num = parse_number<uid_t>(name_or_uid))
        rc = ::getpwuid_r(*num, &pw, buf.data(), buf.size(), &found);
    else
        rc = ::getpwnam_r(name_or_uid.c_str(), &pw, buf.data(), buf.size(), &found);
    if (rc != 0 || !found) {
        if (auto num = parse_number<uid_t>(name_or_uid))  // a bare uid with no passwd entry
            return UserIds{*num, static_cast<gid_t>(*num), name_or_uid, "/"};
        return Error("unknown user: " + name_or_uid);
    }
    return UserIds{pw.pw_uid, pw.pw_gid, pw.pw_name, pw.pw_dir ? pw.pw_dir : "/"};
}

Result<void> become_user(const UserIds& ids) {
    if (::setgroups(1, &ids.gid) != 0) return sys_error("setgroups");
    if (::setgid(ids.gid) != 0) return sys_error("setgid");
    if (::setuid(ids.uid) != 0) return sys_error("setuid");
    if (ids.uid != 0 && (::setuid(0) == 0 || ::geteuid() == 0))
        return Error("privilege drop failed: root could be regained");
    return {};
}

}  // namespace tern
