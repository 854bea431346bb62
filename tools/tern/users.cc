// tern user add|passwd|list|disable|enable|app-password: the users table
// (through libmail/auth) and the mailbox map entry that tells smtpd and local
// where the Maildir is. authd notices a changed table by itself (it re-reads
// the file when it changes), so no command here needs a reload.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>

#include "libmail/auth/users_table.h"
#include "libmail/config/config.h"
#include "libmail/config/params_global.h"
#include "libmail/core/file_io.h"
#include "libmail/core/privs.h"
#include "libmail/core/text.h"
#include "libmail/maps/map.h"
#include "libmail/store/mail_owner.h"
#include "libmail/store/mailbox.h"
#include "tools/tern/tern.h"

namespace tern::cli {

namespace {

void check(Result<void> r) {
    if (!r) throw std::runtime_error(r.error().message);
}

config::Config load(const Options& o) {
    auto cfg = config::Config::load(o.config_dir);
    if (!cfg) throw std::runtime_error(cfg.error().message);
    return std::move(*cfg);
}

// The first virtual_mailbox_maps table that is a text file we can append to.
std::string text_mailbox_map(const config::Config& cfg) {
    for (const auto& spec : cfg.get_list(config::kVirtualMailboxMaps)) {
        auto [type, name] = split_once(spec, ':');
        if (type == "texthash") return std::string(name);
    }
    return {};
}

void add_mailbox_entry(const config::Config& cfg, const std::string& address) {
    const auto [local, domain] = split_once(address, '@');
    const std::string relative = std::string(domain) + "/" + std::string(local) + "/";
    const std::string map = text_mailbox_map(cfg);
    if (map.empty()) {
        std::fprintf(stderr, "tern: warning: virtual_mailbox_maps has no texthash: table; add \"%s %s\" to it yourself\n",
                     address.c_str(), relative.c_str());
    } else {
        std::string text;
        if (auto r = read_file(map, 64 * 1024 * 1024)) text = std::move(*r);
        if (!text.empty() && text.back() != '\n') text += '\n';
        text += address + " " + relative + "\n";
        check(write_file_atomic(map, text, 0644));
    }
    // Create the Maildir now so that IMAP and POP3 work before the first delivery.
    const std::string root = cfg.get(config::kVirtualMailboxBase) + "/" + relative;
    check(make_dirs(root, 0700));
    for (const char* sub : {"tmp", "new", "cur"}) check(make_dirs(root + sub, 0700));
    if (running_as_root()) {
        auto owner = lookup_user(store::mailbox_owner(cfg));
        if (!owner) throw std::runtime_error(owner.error().message);
        for (const std::string& p : {cfg.get(config::kVirtualMailboxBase) + "/" + std::string(domain), root,
                                     root + "tmp", root + "new", root + "cur"})
            if (::chown(p.c_str(), owner->uid, owner->gid) != 0) throw std::runtime_error("chown " + p + " failed");
    }
}

// The first line of standard input, bounded like every other input.
std::string read_password() {
    std::string pw;
    int c;
    while ((c = std::getchar()) != EOF && c != '\n') {
        if (pw.size() > auth::kMaxPasswordBytes) throw std::runtime_error("password too long");
        pw += static_cast<char>(c);
    }
    if (pw.empty() && c == EOF) throw std::runtime_error("no password on standard input");
    if (!pw.empty() && pw.back() == '\r') pw.pop_back();
    return pw;
}

}  // namespace

int add_user_with_password(const Options& o, const std::string& address, const std::string& password) {
    const auto cfg = load(o);
    auto canon = auth::canonical_address(address);
    if (!canon) throw std::runtime_error(canon.error().message);
    check(auth::add_user(cfg.get(config::kAuthUsersFile), *canon, password));
    add_mailbox_entry(cfg, *canon);
    return 0;
}

int cmd_user(const Options& o) {
    static const std::string kUsage =
        "usage: tern user add|passwd|disable|enable ADDRESS, tern user list, "
        "tern user quota ADDRESS BYTES[/MESSAGES], tern user app-password add|remove ADDRESS NAME";
    if (o.args.empty()) throw std::runtime_error(kUsage);
    const std::string& sub = o.args[0];
    if (sub == "list") {
        if (o.args.size() != 1) throw std::runtime_error(kUsage);
        auto users = auth::load_users(load(o).get(config::kAuthUsersFile));
        if (!users) throw std::runtime_error(users.error().message);
        for (const auto& u : *users) {
            std::string apps;
            for (const auto& p : u.app_passwords) apps += (apps.empty() ? " app-passwords=" : ",") + p.label;
            std::string quota;
            if (u.quota || u.quota_messages)
                quota = " quota=" + std::to_string(u.quota) +
                        (u.quota_messages ? "/" + std::to_string(u.quota_messages) : std::string());
            std::printf("%s%s%s%s\n", u.address.c_str(), u.disabled ? " (disabled)" : "", quota.c_str(), apps.c_str());
        }
        return 0;
    }
    if (sub == "app-password") {
        if (o.args.size() != 4 || (o.args[1] != "add" && o.args[1] != "remove")) throw std::runtime_error(kUsage);
        const std::string users = load(o).get(config::kAuthUsersFile);
        const std::string& address = o.args[2];
        const std::string& name = o.args[3];
        if (o.args[1] == "remove") {
            check(auth::remove_app_password(users, address, name));
            std::printf("tern: removed app password %s of %s\n", name.c_str(), address.c_str());
            return 0;
        }
        auto password = auth::generate_app_password();
        if (!password) throw std::runtime_error(password.error().message);
        check(auth::add_app_password(users, address, name, *password));
        // Only the hash is stored: this is the one time the password can be seen.
        std::printf("tern: app password %s for %s (shown only now):\n%s\n", name.c_str(), address.c_str(),
                    password->c_str());
        return 0;
    }
    if (sub == "quota") {
        if (o.args.size() != 3) throw std::runtime_error(kUsage);
        check(auth::set_quota(load(o).get(config::kAuthUsersFile), o.args[1], o.args[2]));
        std::printf("tern: quota of %s is now %s\n", o.args[1].c_str(), o.args[2].c_str());
        return 0;
    }
    if (o.args.size() != 2) throw std::runtime_error(kUsage);
    if (sub == "add") {
        add_user_with_password(o, o.args[1], read_password());
        std::printf("tern: added %s\n", o.args[1].c_str());
        return 0;
    }
    if (sub == "passwd") {
        check(auth::set_password(load(o).get(config::kAuthUsersFile), o.args[1], read_password()));
        std::printf("tern: password changed for %s\n", o.args[1].c_str());
        return 0;
    }
    if (sub == "disable" || sub == "enable") {
        const bool disable = sub == "disable";
        check(auth::set_disabled(load(o).get(config::kAuthUsersFile), o.args[1], disable));
        std::printf("tern: %s %s\n", disable ? "disabled" : "enabled", o.args[1].c_str());
        return 0;
    }
    throw std::runtime_error("unknown user command: " + sub);
}

}  // namespace tern::cli
