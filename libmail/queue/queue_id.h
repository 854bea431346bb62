// Queue IDs: short, unique within one queue, made of [0-9A-Za-z] only, so they
// are safe as file names and match Postfix's log shape ("4Bc1D2F3A: ...").
#pragma once

#include <string>
#include <string_view>

namespace tern::queue {

inline constexpr std::size_t kMaxQueueIdLength = 32;

// A new ID from the current time in microseconds, the pid and a counter.
std::string new_queue_id();

// Whether name has the shape of a queue ID (used to skip temp and foreign files).
bool is_queue_id(std::string_view name);

}  // namespace tern::queue
