// DKIM signing on the message path (smtpd for authenticated and mynetworks
// clients, pickup for local senders): a cleanup observer that picks the keys
// by the From address once the header section is complete (the signing
// table), signs the message as it streams past, and after the end of the
// content prepends the DKIM-Signature fields, or makes the message wait when
// a key cannot be read.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/cleanup/cleanup.h"
#include "libmail/dkim/signer.h"
#include "libmail/dkim/signing_table.h"

namespace tern::cleanup {

class SigningObserver final : public ContentObserver {
public:
    // table must outlive this object.
    explicit SigningObserver(dkim::SigningTable& table) : table_(table) {}

    void header(std::string_view field) override;
    void end_of_headers() override;
    void body(std::string_view chunk) override;
    void end_of_body() override;

    // After c.end_content(): prepends the signatures to c (nothing when no
    // key applies), or refuses the message with a temporary error when the
    // keys or the signing failed. Logs "ID: dkim-signed d=D s=S".
    void apply(Cleanup& c, const std::string& queue_id, std::time_t now);

private:
    dkim::SigningTable& table_;
    dkim::Signer signer_;                  // its keys come once the From address is known
    std::vector<dkim::SigningKeyPtr> keys_;  // empty: this message is not signed
    std::string error_;
};

}  // namespace tern::cleanup
