// DataSource: the DATA payload of one transaction (CRLF, dot-stuffed, ending
// in "." CRLF), produced a piece at a time while the connection sends it, so
// a message is never held whole in memory: QueueFileSource reads the queue
// file one record at a time; StringSource serves a payload already in memory
// (a message converted to 7 bits, tests).
#pragma once

#include <string>

#include "libmail/core/result.h"
#include "libmail/core/unique_fd.h"
#include "libmail/queue/queue_file.h"
#include "smtp/message_encoding.h"

namespace tern::smtp_client {

class DataSource {
public:
    virtual ~DataSource() = default;
    // Appends the next piece to out; true once the end of the payload has been appended.
    [[nodiscard]] virtual Result<bool> next(std::string& out) = 0;
};

class StringSource final : public DataSource {
public:
    explicit StringSource(std::string payload) : payload_(std::move(payload)) {}
    Result<bool> next(std::string& out) override;

private:
    std::string payload_;
};

class QueueFileSource final : public DataSource {
public:
    // fd: the queue file, read with pread (the source keeps its own descriptor).
    QueueFileSource(int fd, const queue::QueueFile& qf);
    Result<bool> next(std::string& out) override;

private:
    UniqueFd fd_;
    queue::ContentReader reader_;
    DataEncoder encoder_;
    std::string chunk_;
};

}  // namespace tern::smtp_client
