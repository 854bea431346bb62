#include "qmgr/retry.h"

#include <algorithm>

#include "libmail/core/text.h"

namespace tern::qmgr {

std::chrono::seconds next_backoff(std::chrono::seconds age, std::chrono::seconds minimal, std::chrono::seconds maximal) {
    return std::clamp(age, minimal, std::max(minimal, maximal));
}

std::string domain_of(std::string_view address) {
    const auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string{} : to_lower(address.substr(at + 1));
}

bool is_local_domain(std::string_view address, const std::vector<std::string>& local_domains) {
    const std::string d = domain_of(address);
    if (d.empty()) return true;  // a bare local part (postmaster): ours
    return std::any_of(local_domains.begin(), local_domains.end(), [&](const std::string& l) { return iequals(l, d); });
}

Disposition disposition(const std::vector<queue::Recipient>& recipients) {
    for (const auto& r : recipients)
        if (r.state == queue::RecipientState::Pending) return Disposition::Defer;
    return Disposition::Remove;
}

}  // namespace tern::qmgr
