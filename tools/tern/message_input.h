// Reading a message file for the tern subcommands that judge one (dkim
// verify/sign, dmarc check): CRLF or LF input, cut into header fields and
// body chunks with LF line ends, as the message path (cleanup's observers)
// sees a queued message.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "libmail/core/unique_fd.h"

namespace tern::cli {

class MessageSplitter {
public:
    struct Sink {
        std::function<void(std::string_view)> header;
        std::function<void()> end_of_headers;
        std::function<void(std::string_view)> body;
    };
    // A header field longer than max_field_octets is an error (thrown).
    MessageSplitter(Sink sink, std::size_t max_field_octets) : sink_(std::move(sink)), max_field_(max_field_octets) {}

    void feed(std::string_view raw);
    void finish();
    bool saw_crlf() const { return saw_crlf_; }

private:
    void take(std::string_view s);

    Sink sink_;
    std::size_t max_field_;
    std::string field_;
    bool in_headers_ = true;
    bool at_line_start_ = true;
    bool cr_pending_ = false;
    bool saw_crlf_ = false;
};

// The file at path, or standard input for "-" (errors are thrown).
UniqueFd open_message(const std::string& path);

// Reads fd to its end in chunks, handing each to f.
void read_chunks(int fd, const std::function<void(std::string_view)>& f);

}  // namespace tern::cli
