#include "libmail/dsn/settings.h"

#include "libmail/config/params_dsn.h"
#include "libmail/config/params_global.h"

namespace tern::dsn {

Settings load_settings(const config::Config& cfg) {
    Settings s;
    s.myhostname = cfg.get(config::kMyHostname);
    s.mail_name = cfg.get(config::kMailName);
    s.bounce_size_limit = static_cast<std::uint64_t>(cfg.get_int(config::kBounceSizeLimit));
    s.double_bounce_sender = cfg.get(config::kDoubleBounceSender);
    return s;
}

}  // namespace tern::dsn
