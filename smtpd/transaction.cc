#include "smtpd/transaction.h"

namespace tern::smtpd {

const std::string& Transaction::queue_id() const {
    static const std::string kNone;
    return writer ? writer->id() : kNone;
}

}  // namespace tern::smtpd
