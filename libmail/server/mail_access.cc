#include "libmail/server/mail_access.h"

#include "libmail/config/params_global.h"
#include "libmail/core/log.h"
#include "libmail/maps/map.h"
#include "libmail/store/mailbox_location.h"

namespace tern::server {

MailAccess make_mail_access(event_base* base, const config::Config& cfg, const std::string& queue_dir) {
    auto maps = maps::MapList::open(cfg.get_list(config::kVirtualMailboxMaps));
    if (!maps) log::fatal("virtual_mailbox_maps: %s", maps.error().message.c_str());
    auto shared_maps = std::make_shared<maps::MapList>(std::move(*maps));
    MailAccess access;
    access.check_password = [base, queue_dir](auth::PasswordRequest req, auth::PasswordCheck::Done done) {
        return auth::PasswordCheck::start(base, queue_dir, std::move(req), std::move(done));
    };
    access.maildir_root = [shared_maps, mailbox_base = cfg.get(config::kVirtualMailboxBase)](const std::string& user) {
        return store::locate_maildir(*shared_maps, mailbox_base, user);
    };
    return access;
}

}  // namespace tern::server
