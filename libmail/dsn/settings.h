// dsn::Settings from main.cf: myhostname, mail_name, bounce_size_limit and
// double_bounce_sender (params_dsn.h). The caller sets `now`,
// `will_retry_until` and `original_queue_id` per notice.
#pragma once

#include "libmail/config/config.h"
#include "libmail/dsn/notice.h"

namespace tern::dsn {

// Needs kDsnParams registered in registry.cc (Config getters refuse unknown
// specs). postmaster is Postfix's 2bounce_notice_recipient default.
Settings load_settings(const config::Config& cfg);

}  // namespace tern::dsn
