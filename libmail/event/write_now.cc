#include "libmail/event/write_now.h"

#include <event2/buffer.h>

namespace tern {

bool write_now(bufferevent* bev) {
    evbuffer* out = bufferevent_get_output(bev);
    if (evbuffer_get_length(out) == 0) return true;
    // A socket bufferevent keeps the front of its output frozen except in
    // its own write callback, so that only that callback drains it: without
    // the thaw, evbuffer_write fails and writes nothing.
    evbuffer_unfreeze(out, 1);
    (void)evbuffer_write(out, bufferevent_getfd(bev));  // an error is the write event's to report
    evbuffer_freeze(out, 1);
    return evbuffer_get_length(out) == 0;
}

}  // namespace tern
