// UniqueFd owns one file descriptor. close_checked() is for queue and mailbox
// files, where a failed close (NFS, quota) must turn into a temporary error.
#pragma once

#include <unistd.h>

#include <utility>

#include "libmail/core/result.h"

namespace tern {

class UniqueFd {
public:
    UniqueFd() noexcept = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept {
        reset(std::exchange(o.fd_, -1));
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }  // safety net only: errors are lost here

    [[nodiscard]] int get() const noexcept { return fd_; }
    [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
    void reset(int fd = -1) noexcept {
        if (fd_ >= 0) ::close(fd_);  // no EINTR retry on Linux
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

// Closes fd and reports the close error (which NFS and quotas report here).
[[nodiscard]] Result<void> close_checked(UniqueFd fd, std::string_view what = "close");

}  // namespace tern
