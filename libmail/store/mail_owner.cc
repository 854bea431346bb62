#include "libmail/store/mail_owner.h"

#include "libmail/config/params_global.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::store {

std::string mailbox_owner(const config::Config& cfg) {
    for (const auto& spec : cfg.get_list(config::kVirtualUidMaps)) {
        if (istarts_with(spec, "static:")) {
            std::string value(trim(std::string_view(spec).substr(7)));
            if (value.size() >= 2 && value.front() == '{' && value.back() == '}')
                value = std::string(trim(std::string_view(value).substr(1, value.size() - 2)));
            if (!value.empty()) return value;
        }
    }
    if (!cfg.get_list(config::kVirtualUidMaps).empty())
        log::warning("virtual_uid_maps: only static:UID is used to choose the mail store owner; using mail_owner");
    return cfg.get(config::kMailOwner);
}

}  // namespace tern::store
