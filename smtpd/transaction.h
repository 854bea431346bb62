// Transaction: one message, from MAIL FROM to the end of DATA (OpenSMTPD's
// session/transaction split). It owns the QueueWriter: the queue file is
// created at the first accepted recipient (that is when the queue ID is
// logged, as Postfix does) and unlinked by the writer's destructor unless
// committed. RSET, a new EHLO or the end of DATA reset the Session's pointer.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libmail/authres/sender_auth.h"
#include "libmail/cleanup/cleanup.h"
#include "libmail/cleanup/dkim_signing.h"
#include "libmail/queue/queue_writer.h"
#include "libmail/smtp/esmtp_params.h"
#include "libmail/smtp/path.h"
#include "smtpd/data_reader.h"

namespace tern::smtpd {

struct Transaction {
    std::string sender;                      // "" for <>
    smtp::Path sender_path;                  // as parsed, for the restrictions
    smtp::MailParams params;
    std::vector<queue::Recipient> recipients;  // accepted, in order, with NOTIFY and ORCPT
    std::optional<queue::QueueWriter> writer;
    // SPF, DKIM and DMARC for an unauthenticated client outside mynetworks
    // (from MAIL FROM on), DKIM signing for the others (from DATA on); both
    // watch cleanup, so they are declared before it and outlive it.
    std::unique_ptr<authres::SenderAuth> auth;
    std::unique_ptr<cleanup::SigningObserver> signer;
    // header_checks, Message-ID/Date; declared after writer, which it writes to.
    std::unique_ptr<cleanup::Cleanup> cleanup;

    // DATA phase.
    DataReader data;
    CrlfToLf chunks;                         // BDAT instead of DATA
    std::uint64_t message_bytes = 0;         // content produced so far, Received header included
    bool too_big = false;                    // over message_size_limit: consume, then 552

    const std::string& queue_id() const;     // "" before the first accepted recipient
};

}  // namespace tern::smtpd
