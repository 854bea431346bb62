// The POP3 protocol pieces that need no connection: the command table with
// the states each command is allowed in (RFC 1939 4-6, RFC 2449 5), command
// line parsing, and MessageEncoder, which turns a stored message into the
// body of a multi-line response (CRLF, dot-stuffing, TOP's line count).
// Invariant: everything here is bounded by its input; nothing allocates more
// than a small multiple of what it was given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::pop3d {

// RFC 2449 4: command lines are at most 255 octets and responses 512, CRLF
// included; Tern accepts command lines up to 512 (some clients send long USER
// names) and answers longer ones with "-ERR line too long".
inline constexpr std::size_t kMaxLineOctets = 512;
// Peer errors (unknown commands, bad arguments, wrong state) before pop3d
// closes the connection.
inline constexpr int kMaxErrors = 10;

enum class State { Authorization, Transaction };

enum class Verb { User, Pass, Stat, List, Uidl, Retr, Top, Dele, Rset, Noop, Quit, Capa, Stls, Auth };

struct Command {
    std::string_view name;
    Verb verb;
    bool in_authorization;
    bool in_transaction;
};

// The command named (case-insensitively, RFC 1939 3), or nullptr.
const Command* find_command(std::string_view name);
bool allowed_in(const Command& cmd, State state);

struct CommandLine {
    std::string_view keyword;  // as sent
    std::string_view args;     // after one space; may hold spaces (PASS)
};
// Splits "KEYWORD[ args]". Keywords are 3-4 characters (RFC 1939 3).
CommandLine split_command(std::string_view line);

// A message number or line count: decimal digits only, no sign, at most 9
// digits. nullopt otherwise. Message numbers must also be >= 1 (caller).
std::optional<std::uint32_t> parse_number_arg(std::string_view s);

// What CAPA may list for a connection.
struct CapaState {
    bool authorization = true;   // AUTHORIZATION state: the login capabilities count
    bool stls = false;           // STLS offered (a certificate, no TLS yet)
    bool plaintext_auth = true;  // USER and SASL PLAIN usable now (TLS, or pop3d_tls_auth_only = no)
    std::uint32_t login_delay_seconds = 0;  // pop3d_login_delay; 0: not enforced, not listed
};
// The CAPA response lines (RFC 2449 5, RFC 2595 4, RFC 5034 5), without the
// final ".": only what works on this connection now. LOGIN-DELAY (6.5) when
// one is enforced, the same for every user; "EXPIRE NEVER" (6.7) always,
// because pop3d never deletes a message that a client did not DELE.
std::string capabilities(const CapaState& st = {});

// Encodes a stored message (LF or CRLF line ends) for RETR and TOP:
// every line end becomes CRLF, a line that starts with '.' gets another
// (RFC 1939 3, byte-stuffing); with a line count (TOP, RFC 1939 7) only the
// header, the blank line and that many body lines are sent.
class MessageEncoder {
public:
    MessageEncoder() = default;
    explicit MessageEncoder(std::uint64_t top_body_lines) : top_(true), top_lines_(top_body_lines) {}

    // Appends the encoding of chunk to out. Returns false once TOP has all it
    // needs (the rest of the file need not be read).
    bool feed(std::string_view chunk, std::string& out);
    // Ends the response: CRLF after an unterminated last line, then ".\r\n".
    void finish(std::string& out);
    bool done() const { return done_; }

private:
    void end_line(std::string& out);

    bool top_ = false;
    std::uint64_t top_lines_ = 0;
    bool done_ = false;
    bool at_line_start_ = true;
    bool line_empty_ = true;
    bool pending_cr_ = false;
    bool in_body_ = false;
    std::uint64_t body_lines_ = 0;
};

}  // namespace tern::pop3d
