#include "smtp/data_source.h"

#include <fcntl.h>

namespace tern::smtp_client {

Result<bool> StringSource::next(std::string& out) {
    out += payload_;
    payload_.clear();
    return true;
}

QueueFileSource::QueueFileSource(int fd, const queue::QueueFile& qf)
    : fd_(::fcntl(fd, F_DUPFD_CLOEXEC, 0)), reader_(fd_.get(), qf) {}

Result<bool> QueueFileSource::next(std::string& out) {
    if (!fd_) return Error("cannot read queue file: no descriptor");
    auto more = reader_.next(chunk_);
    if (!more) return more.error();
    if (!*more) {
        encoder_.finish(out);
        return true;
    }
    encoder_.add(chunk_, out);
    return false;
}

}  // namespace tern::smtp_client
