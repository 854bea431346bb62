// Writes a socket bufferevent's output to its socket at once, outside the
// write event. A reply then leaves when it is made, without the two
// epoll_ctl and the loop turn the write event costs per reply.
#pragma once

#include <event2/bufferevent.h>

namespace tern {

// Writes what the socket takes; true when nothing is left. What is left (a
// full socket, or an error the write event will report) is the caller's to
// hand to the write event. Only for a bufferevent_socket in clear text: a
// TLS or filter bufferevent writes through its own layer.
bool write_now(bufferevent* bev);

}  // namespace tern
