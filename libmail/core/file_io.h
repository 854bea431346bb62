// Small, checked file operations shared by every program: whole writes, bounded
// whole-file reads, directory fsync and the atomic replace used for every file
// that must never be seen half-written (tmp + fsync + rename + fsync dir).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "libmail/core/result.h"
#include "libmail/core/unique_fd.h"

namespace tern {

// Writes all of data, retrying on EINTR and short writes.
[[nodiscard]] Result<void> write_all(int fd, std::string_view data);

// Reads a whole file of at most max_bytes; a larger file is an error naming it.
[[nodiscard]] Result<std::string> read_file(const std::string& path, std::size_t max_bytes);

// fsync() of the directory that holds entries just created or renamed.
[[nodiscard]] Result<void> fsync_dir(const std::string& dir);

// Replaces path with data atomically and durably (mode applies to the new file).
[[nodiscard]] Result<void> write_file_atomic(const std::string& path, std::string_view data,
                                             unsigned mode = 0644);

// Directory part of a path ("." when there is none).
std::string dir_of(const std::string& path);

// mkdir -p with the given mode for directories it creates.
[[nodiscard]] Result<void> make_dirs(const std::string& path, unsigned mode = 0755);

}  // namespace tern
