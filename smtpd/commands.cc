#include "smtpd/commands.h"

#include "libmail/core/text.h"
#include "smtpd/session.h"

namespace tern::smtpd {

namespace {

constexpr StateMask kMailStates = bit(State::Init) | bit(State::Ready);  // Postfix: HELO not required

// Order is Postfix's, which is also the order of the "disconnect from" counters.
constexpr Command kCommands[] = {
    {"HELO", &Session::cmd_helo, kAnyState, "", "helo"},
    {"EHLO", &Session::cmd_ehlo, kAnyState, "", "ehlo"},
    {"STARTTLS", &Session::cmd_starttls, kMailStates, "Error: MAIL transaction in progress", "starttls"},
    {"AUTH", &Session::cmd_auth, kMailStates, "Error: MAIL transaction in progress", "auth"},
    {"MAIL", &Session::cmd_mail, kMailStates, "Error: nested MAIL command", "mail"},
    {"RCPT", &Session::cmd_rcpt, bit(State::Mail) | bit(State::Rcpt), "Error: need MAIL command", "rcpt"},
    {"DATA", &Session::cmd_data, bit(State::Rcpt) | bit(State::Chunk), "Error: need RCPT command", "data"},
    // BDAT checks the state itself: its chunk must be read even when refused.
    {"BDAT", &Session::cmd_bdat, kAnyState, "", "bdat"},
    {"RSET", &Session::cmd_rset, kAnyState, "", "rset"},
    {"NOOP", &Session::cmd_noop, kAnyState, "", "noop"},
    {"VRFY", &Session::cmd_vrfy, kAnyState, "", "vrfy"},
    {"QUIT", &Session::cmd_quit, kAnyState, "", "quit"},
};
static_assert(std::size(kCommands) == kCommandCount);

}  // namespace

const Command* find_command(std::string_view verb, std::size_t& index) {
    for (std::size_t i = 0; i < std::size(kCommands); ++i) {
        if (iequals(kCommands[i].verb, verb)) {
            index = i;
            return &kCommands[i];
        }
    }
    return nullptr;
}

const Command& command_at(std::size_t index) { return kCommands[index]; }

}  // namespace tern::smtpd
