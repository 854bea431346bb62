// The Received-SPF header field of RFC 7208 section 9.1.
#pragma once

#include <string>

#include "libmail/spf/outcome.h"

namespace tern::spf {

// One field, "Received-SPF: RESULT (COMMENT) key=value; ...", folded at 78
// columns with LF line ends and a trailing LF. Peer-supplied text (sender,
// HELO) is quoted where it is not a dot-atom, with control and non-ASCII
// octets replaced by '?', and each value is bounded.
std::string received_spf_header(const Outcome& o, const Request& req);

}  // namespace tern::spf
