// The pid lock: data_directory/master.pid, fcntl-locked for master's life so
// that two masters cannot run on one queue; tern stop/status/reload read it.
#pragma once

#include <sys/types.h>

#include <string>

#include "libmail/core/result.h"
#include "libmail/core/unique_fd.h"

namespace tern::server {

// Takes the lock and writes our pid. Returns the held fd (keep it open).
[[nodiscard]] Result<UniqueFd> take_pid_lock(const std::string& path);
// The pid of the process holding the lock, or 0 when no master runs.
pid_t running_master_pid(const std::string& path);

}  // namespace tern::server
