#include "libmail/cleanup/dkim_signing.h"

#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::cleanup {

void SigningObserver::header(std::string_view field) {
    // Bounded by cleanup's header_section_size_limit before it reaches here.
    held_.emplace_back(field);
}

void SigningObserver::end_of_headers() {
    std::string from;
    for (const auto& f : held_) {
        const auto colon = f.find(':');
        if (colon != std::string::npos && iequals(trim(std::string_view(f).substr(0, colon)), "From")) {
            from = dkim::from_address(std::string_view(f).substr(colon + 1));
            break;
        }
    }
    if (!from.empty()) {
        auto keys = table_.keys_for(from);
        if (!keys) {
            error_ = keys.error().message;
        } else if (!keys->empty()) {
            keys_ = std::move(*keys);
            signer_ = std::make_unique<dkim::Signer>(keys_);
            for (const auto& f : held_) signer_->header(f);
            signer_->end_of_headers();
        }
    }
    held_.clear();
    held_.shrink_to_fit();
}

void SigningObserver::body(std::string_view chunk) {
    if (signer_) signer_->body(chunk);
}

void SigningObserver::end_of_body() {
    if (signer_) signer_->end_of_body();
}

void SigningObserver::apply(Cleanup& c, const std::string& queue_id, std::time_t now) {
    if (!error_.empty()) {
        log::warning("%s: dkim signing: %s", queue_id.c_str(), error_.c_str());
        c.refuse(Action::Tempfail, {451, "4.3.0", "Error: cannot sign the message, try again later"});
        return;
    }
    if (!signer_) return;
    auto fields = signer_->finish(now);
    if (!fields) {
        log::warning("%s: dkim signing: %s", queue_id.c_str(), fields.error().message.c_str());
        c.refuse(Action::Tempfail, {451, "4.3.0", "Error: cannot sign the message, try again later"});
        return;
    }
    c.prepend(*fields);
    for (const auto& k : keys_)
        log::info("%s: dkim-signed d=%s s=%s", queue_id.c_str(), k->domain.c_str(), k->selector.c_str());
}

}  // namespace tern::cleanup
