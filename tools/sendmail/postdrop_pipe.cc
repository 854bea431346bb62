#include "tools/sendmail/postdrop_pipe.h"

#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "libmail/core/file_io.h"
#include "libmail/queue/queue_file.h"

extern char** environ;

namespace tern::sendmail {

PostdropPipe::PostdropPipe(const std::vector<std::string>& argv, const cleanup::Submission& envelope) {
    // A postdrop that exits early must not kill sendmail: its exit code says why.
    ::signal(SIGPIPE, SIG_IGN);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    UniqueFd rd(fds[0]);
    to_.reset(fds[1]);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, rd.get(), STDIN_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, argv[0].c_str(), &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        pid_ = -1;
        throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(rc));
    }
    buf_ = cleanup::encode_submission_envelope(envelope);
}

PostdropPipe::~PostdropPipe() {
    if (pid_ > 0) (void)finish(false);
}

bool PostdropPipe::flush() {
    if (broken_) return false;
    if (auto r = write_all(to_.get(), buf_); !r) {
        broken_ = true;
        return false;
    }
    buf_.clear();
    return true;
}

bool PostdropPipe::write(std::string_view bytes) {
    while (!bytes.empty()) {
        const std::size_t n = std::min(bytes.size(), queue::kMaxContentChunk);
        buf_ += cleanup::encode_submission_content(bytes.substr(0, n));
        bytes.remove_prefix(n);
        if (buf_.size() >= 256 * 1024 && !flush()) return false;
    }
    return !broken_;
}

int PostdropPipe::finish(bool complete) {
    if (pid_ <= 0) return EX_SOFTWARE;
    if (complete) {
        buf_ += cleanup::encode_submission_end();
        (void)flush();
    }
    to_.reset();  // EOF: without End, postdrop queues nothing
    int status = 0;
    pid_t r;
    do r = ::waitpid(pid_, &status, 0);
    while (r < 0 && errno == EINTR);
    pid_ = -1;
    if (r < 0) return EX_OSERR;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return EX_SOFTWARE;  // killed by a signal
}

std::string find_postdrop(const std::string& configured, bool configured_explicitly) {
    if (configured_explicitly) return configured;
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = '\0';
        const std::string beside = dir_of(buf) + "/postdrop";
        if (::access(beside.c_str(), X_OK) == 0) return beside;
    }
    return configured;
}

}  // namespace tern::sendmail
