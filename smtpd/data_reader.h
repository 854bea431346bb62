// DataReader: the DATA phase byte stream (RFC 5321 4.1.1.4, 4.5.2) turned into
// message content with LF line ends, dot-unstuffed. Pure (no I/O), so it is
// tested byte by byte. No line-length limit: header lines longer than 998
// octets are kept as they are; only message_size_limit bounds a message.
//
// Bare LF policy (Postfix 3.9 smtpd_forbid_bare_newline = normalize): a bare
// LF ends a content line like CRLF does, but the end of data is ONLY
// <CR><LF>.<CR><LF>; "<LF>.<LF>", "<LF>.<CR><LF>" and "<CR><LF>.<LF>" never
// end the data, so a message cannot be smuggled past another MTA that
// disagrees on where it ends (SMTP smuggling, CVE-2023-51764). A bare CR is
// kept as content.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tern::smtpd {

class DataReader {
public:
    // Consumes bytes from in, appends content to out, and returns how many
    // bytes were consumed: all of in, or fewer when the end of data was seen
    // (then done() is true and what follows belongs to the next command).
    std::size_t feed(std::string_view in, std::string& out);
    bool done() const { return state_ == State::Done; }

private:
    enum class State { LineStart, Dot, DotCr, Mid, MidCr, Done };
    State state_ = State::LineStart;
    bool prev_crlf_ = true;  // the DATA command line itself ended the previous line
};

// BDAT chunks (RFC 3030) carry the message as is, no dot-stuffing: only
// CRLF becomes LF (the queue convention), across chunk boundaries too. Bare
// CR and bare LF are kept as they are.
class CrlfToLf {
public:
    void feed(std::string_view in, std::string& out);
    // The end of the last chunk: a CR still held back is content.
    void finish(std::string& out);

private:
    bool pending_cr_ = false;
};

}  // namespace tern::smtpd
