// Reading a message for sendmail from standard input: CRLF becomes LF, a
// leading "From " line (mbox) is dropped, a line with a single dot ends the
// input unless -i/-oi, and the header section is held (bounded) until it is
// complete so that -t can take recipients from To/Cc/Bcc and drop Bcc before
// anything is sent to postdrop. The body then passes through in pieces no
// larger than what one feed() gave plus one line piece.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::sendmail {

struct InputOptions {
    bool ignore_dots = false;                   // -i, -oi
    bool extract_recipients = false;            // -t
    std::size_t header_section_limit = 1024 * 1024;
    std::uint64_t message_size_limit = 0;       // 0 = none
};

// Thrown (tools may throw: STYLE.md) with the sysexits code to exit with.
struct InputError {
    int exit_code;
    std::string message;
};

class MessageInput {
public:
    explicit MessageInput(InputOptions o) : o_(o) {}

    // Bytes as read; throws InputError at a limit.
    void feed(std::string_view bytes);
    // End of input (a last line without LF gets one).
    void finish();
    // A lone dot was seen, or finish() was called: ignore further input.
    bool done() const { return done_; }

    // Once true, header_section() and recipients() are final.
    bool headers_complete() const { return !in_headers_; }
    // The header section as it will be queued (Bcc removed under -t). LF line ends.
    const std::string& header_section() const { return headers_out_; }
    // Recipients from the headers (-t only): Resent-To/Cc/Bcc when any
    // Resent- header is present (RFC 5322 3.6.6), else To/Cc/Bcc.
    const std::vector<std::string>& recipients() const { return rcpts_; }
    // Body bytes read so far and not yet taken.
    std::string take_body() { return std::exchange(body_, std::string()); }

private:
    // One line (with LF) or a piece of an over-long line (without LF).
    void take(std::string_view piece, bool complete_line);
    void end_headers();

    InputOptions o_;
    std::string line_;               // bytes of the current line (bounded)
    bool at_start_ = true;           // nothing read yet (for the "From " line)
    bool in_headers_ = true;
    bool done_ = false;
    bool line_continues_ = false;    // the last piece taken had no LF
    std::vector<std::string> headers_;   // logical headers, folded lines kept
    std::string headers_out_;
    std::string body_;
    std::size_t header_bytes_ = 0;
    std::uint64_t total_ = 0;
    std::vector<std::string> rcpts_;
};

}  // namespace tern::sendmail
