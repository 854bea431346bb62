// A bufferevent filter that speaks raw DEFLATE (RFC 1951) both ways, for IMAP
// COMPRESS=DEFLATE (RFC 4978): what the session writes is compressed and
// flushed (Z_SYNC_FLUSH) so every response reaches the client whole; what
// arrives is inflated before the session reads it. The filter sits on top of
// the connection's bufferevent (plain or TLS) and owns it.
#pragma once

#include <event2/bufferevent.h>

#include <cstddef>

namespace tern::event {

// Largest inflated size of the input buffered ahead of the reader; more
// waits in the underlying bufferevent (a compressed bomb cannot fill memory).
inline constexpr std::size_t kMaxInflatedAhead = 1024 * 1024;

// Wraps underlying (which the result owns); nullptr when zlib or libevent
// cannot set it up (underlying is then freed). Input already buffered in
// underlying is treated as compressed, as RFC 4978 3 says.
bufferevent* start_deflate(bufferevent* underlying);

}  // namespace tern::event
