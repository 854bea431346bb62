// The SMTP command table of smtpd: verb, handler, the states where it is
// allowed and the 503 text otherwise. Dispatch (Session::dispatch) checks the
// state before any handler runs (STYLE.md example 6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tern::smtpd {

class Session;

// Init: connected, no HELO yet. Ready: HELO/EHLO seen, no transaction.
// Mail: MAIL accepted. Rcpt: at least one recipient. Data: reading the message.
// Chunk: BDAT chunks received, the LAST one not yet (RFC 3030).
enum class State : std::uint8_t { Init, Ready, Mail, Rcpt, Data, Chunk };
// What a handler tells dispatch: go on with the next command, or stop reading
// until a completion callback resumes (for map, DNS or authd lookups; none yet).
enum class Step { Continue, Suspend };

using StateMask = std::uint8_t;
constexpr StateMask bit(State s) { return static_cast<StateMask>(1u << static_cast<unsigned>(s)); }
constexpr StateMask kAnyState =
    bit(State::Init) | bit(State::Ready) | bit(State::Mail) | bit(State::Rcpt) | bit(State::Chunk);

struct Command {
    std::string_view verb;            // upper case; matched case-insensitively
    Step (Session::*run)(std::string_view args);
    StateMask allowed;                // anything else: 503 5.5.1 + bad_sequence
    std::string_view bad_sequence;
    std::string_view log_name;        // in the "disconnect from" line: "ehlo", "mail", ...
};

inline constexpr std::size_t kCommandCount = 12;

// The command for verb, or nullptr. index receives its position in the table.
const Command* find_command(std::string_view verb, std::size_t& index);
const Command& command_at(std::size_t index);

// Per-command counters for the "disconnect from" log line.
struct CommandCount {
    int ok = 0;
    int total = 0;
};

}  // namespace tern::smtpd
