// PostdropPipe: runs postdrop (posix_spawn, no shell) with its standard input
// on a pipe and writes one message to it in the submission stream format
// (libmail/cleanup/submit_stream.h): the envelope, then the content as it is
// produced, then End. postdrop's exit code (sysexits.h) is sendmail's.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "libmail/cleanup/submit_stream.h"
#include "libmail/core/unique_fd.h"

namespace tern::sendmail {

class PostdropPipe {
public:
    // argv[0] is the program path; throws std::runtime_error if it cannot be started.
    PostdropPipe(const std::vector<std::string>& argv, const cleanup::Submission& envelope);
    ~PostdropPipe();
    PostdropPipe(const PostdropPipe&) = delete;
    PostdropPipe& operator=(const PostdropPipe&) = delete;

    // Message bytes (LF line ends); buffered into content records. A false
    // return means postdrop went away: stop writing and call finish().
    bool write(std::string_view bytes);
    // Sends End (only when complete is true: otherwise postdrop sees a cut
    // stream and queues nothing), closes the pipe and waits: postdrop's exit code.
    int finish(bool complete = true);

private:
    bool flush();

    pid_t pid_ = -1;
    UniqueFd to_;
    std::string buf_;
    bool broken_ = false;
};

// The postdrop to run: postdrop_path when main.cf sets it; otherwise the
// postdrop beside this sendmail (a build tree, or an install in one
// directory); otherwise the default postdrop_path ($command_directory/postdrop).
std::string find_postdrop(const std::string& configured, bool configured_explicitly);

}  // namespace tern::sendmail
