// RAII aliases for libevent objects (STYLE.md example 2).
#pragma once

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "libmail/core/c_ptr.h"

namespace tern {

using EventBasePtr = CPtr<event_base, event_base_free>;
using EventPtr = CPtr<event, event_free>;
using BufferEventPtr = CPtr<bufferevent, bufferevent_free>;
using ListenerPtr = CPtr<evconnlistener, evconnlistener_free>;

}  // namespace tern
