// FileSizeLimit: for the scope of a test, write(2) fails with EFBIG past
// `bytes` (RLIMIT_FSIZE, SIGXFSZ ignored): a real write failure, as a full
// disk would give, without a seam in the code under test.
#pragma once

#include <signal.h>
#include <sys/resource.h>

namespace tern::test {

class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        ok_ = ::sigaction(SIGXFSZ, &ignore, &old_action_) == 0 && ::getrlimit(RLIMIT_FSIZE, &old_limit_) == 0;
        rlimit lim = old_limit_;
        lim.rlim_cur = bytes;
        ok_ = ok_ && ::setrlimit(RLIMIT_FSIZE, &lim) == 0;
    }
    ~FileSizeLimit() {
        ::setrlimit(RLIMIT_FSIZE, &old_limit_);
        ::sigaction(SIGXFSZ, &old_action_, nullptr);
    }
    FileSizeLimit(const FileSizeLimit&) = delete;
    FileSizeLimit& operator=(const FileSizeLimit&) = delete;
    bool ok() const { return ok_; }

private:
    struct sigaction old_action_ {};
    rlimit old_limit_{};
    bool ok_ = false;
};

}  // namespace tern::test
