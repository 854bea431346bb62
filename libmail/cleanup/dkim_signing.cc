#include "libmail/cleanup/dkim_signing.h"

#include "libmail/core/log.h"

namespace tern::cleanup {

void SigningObserver::header(std::string_view field) { signer_.header(field); }

void SigningObserver::end_of_headers() {
    signer_.end_of_headers();
    if (signer_.from().empty()) return;
    auto keys = table_.keys_for(signer_.from());
    if (!keys) {
        error_ = keys.error().message;
        return;
    }
    keys_ = std::move(*keys);
    signer_.set_keys(keys_);
}

// Mail nobody signs is not hashed.
void SigningObserver::body(std::string_view chunk) {
    if (!keys_.empty()) signer_.body(chunk);
}

void SigningObserver::end_of_body() {
    if (!keys_.empty()) signer_.end_of_body();
}

void SigningObserver::apply(Cleanup& c, const std::string& queue_id, std::time_t now) {
    if (!error_.empty()) {
        log::warning("%s: dkim signing: %s", queue_id.c_str(), error_.c_str());
        c.refuse(Action::Tempfail, {451, "4.3.0", "Error: cannot sign the message, try again later"});
        return;
    }
    if (keys_.empty()) return;
    auto fields = signer_.finish(now);
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
