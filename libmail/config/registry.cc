#include <vector>

#include "libmail/config/param_spec.h"
#include "libmail/config/params_auth.h"
#include "libmail/config/params_cleanup.h"
#include "libmail/config/params_dkim.h"
#include "libmail/config/params_dmarc.h"
#include "libmail/config/params_dns.h"
#include "libmail/config/params_dsn.h"
#include "libmail/config/params_global.h"
#include "libmail/config/params_local.h"
#include "libmail/config/params_mailbox.h"
#include "libmail/config/params_master.h"
#include "libmail/config/params_qmgr.h"
#include "libmail/config/params_restrictions.h"
#include "libmail/config/params_smtp.h"
#include "libmail/config/params_smtpd.h"
#include "libmail/config/params_spf.h"
#include "libmail/config/params_tls.h"
#include "libmail/maps/params_maps.h"

namespace tern::config {

namespace {

std::vector<const ParamSpec*> build() {
    std::vector<const ParamSpec*> all;
    auto add = [&](std::span<const ParamSpec* const> area) {
        for (const ParamSpec* p : area)
            if (p) all.push_back(p);
    };
    add(kGlobalParams);
    add(kMasterParams);
    add(kSmtpdParams);
    add(kQmgrParams);
    add(kLocalParams);
    add(kMailboxParams);
    add(kAuthParams);
    add(kMapsParams);
    add(kDnsParams);
    add(kDkimParams);
    add(kDsnParams);
    add(kRestrictionsParams);
    add(kTlsParams);
    add(kCleanupParams);
    add(kSmtpParams);
    add(kSpfParams);
    add(kDmarcParams);
    return all;
}

}  // namespace

std::span<const ParamSpec* const> all_params() {
    static const std::vector<const ParamSpec*> all = build();
    return all;
}

const ParamSpec* find_param(std::string_view name) {
    for (const ParamSpec* p : all_params())
        if (p->name == name) return p;
    return nullptr;
}

}  // namespace tern::config
