// Who owns the mail store: the user local, imapd and pop3d run as (their
// server::Hooks::run_as). Postfix's virtual delivery takes the owner from
// virtual_uid_maps; Tern supports the one-owner form "static:UID" there and
// otherwise falls back to mail_owner.
#pragma once

#include <string>

#include "libmail/config/config.h"

namespace tern::store {

// The first "static:VALUE" entry of virtual_uid_maps gives VALUE (a uid
// number or user name, as lookup_user() takes it); otherwise mail_owner.
// Per-user owners (other table types) are not supported: one process serves
// many users, so it can only run as one owner.
std::string mailbox_owner(const config::Config& cfg);

}  // namespace tern::store
