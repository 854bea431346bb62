// MailAccess: what a mailbox-serving daemon (imapd, pop3d) needs besides its
// protocol — password checks through authd, and the Maildir root of an
// authenticated account from virtual_mailbox_maps and virtual_mailbox_base.
// Sessions get it as plain functions so that tests can substitute fakes.
#pragma once

#include <event2/event.h>

#include <functional>
#include <memory>
#include <string>

#include "libmail/auth/auth_client.h"
#include "libmail/config/config.h"
#include "libmail/core/result.h"

namespace tern::server {

struct MailAccess {
    // Starts a password check (auth::PasswordCheck::start in the daemons).
    std::function<std::unique_ptr<auth::PasswordCheck>(auth::PasswordRequest, auth::PasswordCheck::Done)>
        check_password;
    // The Maildir root of an authenticated account; an error when it has none.
    std::function<Result<std::string>(const std::string& user)> maildir_root;
};

// Builds the real thing from main.cf; an unreadable virtual_mailbox_maps table
// is a configuration error (log::fatal), as at any daemon start.
MailAccess make_mail_access(event_base* base, const config::Config& cfg, const std::string& queue_dir);

}  // namespace tern::server
