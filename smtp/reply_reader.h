// Reading a server's replies (RFC 5321 4.2): lines "CODE-text" continue a
// reply, "CODE text" ends it. ReplyReader collects one reply from lines
// already bounded in length by the caller (take_line), and bounds the number
// of lines; EHLO's lines become Capabilities. Pure code, no I/O: unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::smtp_client {

inline constexpr std::size_t kMaxReplyLineOctets = 2048;  // RFC 5321 4.5.3.1.5 says 512; servers exceed it
inline constexpr std::size_t kMaxReplyLines = 100;        // a longer multi-line reply is a protocol error

struct ServerReply {
    int code = 0;                     // 200..599
    std::vector<std::string> lines;   // text of each line, after "CODE-" / "CODE "
    // "550 5.1.1 text" of the first line, then continuation texts joined by a space: for reasons.
    std::string text() const;
    // The RFC 3463 enhanced status of the first line ("5.1.1"), or "" when it has none.
    std::string enhanced_status() const;
    // The enhanced status, or one derived from the code ("4.0.0", "5.0.0", "2.0.0");
    // "4.5.0" for a 3xx (never a final status).
    std::string dsn() const;
    bool positive() const { return code >= 200 && code < 300; }  // 2xx: the only success of MAIL, RCPT, DATA's end
    bool transient() const { return code >= 400 && code < 500; }
};

class ReplyReader {
public:
    enum class Status { NeedMore, Done, Error };
    // One line without its CRLF. Error: the line is not "DDD[ -]..." with a code in
    // 200..599, its code differs from the earlier lines, or too many lines.
    Status add(std::string_view line);
    // The finished reply (after Done); the reader is then ready for the next reply.
    ServerReply take();
    const std::string& error() const { return error_; }

private:
    ServerReply cur_;
    std::string error_;
    bool done_ = false;
};

struct Capabilities {
    bool esmtp = false;               // EHLO succeeded
    bool pipelining = false;          // RFC 2920
    bool eightbitmime = false;        // RFC 6152
    bool smtputf8 = false;            // RFC 6531
    bool dsn = false;                 // RFC 3461
    bool starttls = false;            // RFC 3207
    bool has_size = false;            // RFC 1870
    std::uint64_t size_limit = 0;     // SIZE n; 0 with has_size: no fixed limit
    std::vector<std::string> auth;    // RFC 4954 mechanisms, upper case
};

// The capabilities in the lines of a 250 reply to EHLO (the first line is the greeting).
Capabilities parse_ehlo(const ServerReply& reply);

}  // namespace tern::smtp_client
