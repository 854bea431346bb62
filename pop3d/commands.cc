#include "pop3d/commands.h"

#include "libmail/core/text.h"

namespace tern::pop3d {

namespace {

// RFC 1939 4 (AUTHORIZATION), 5 (TRANSACTION), 6 (UPDATE via QUIT); RFC 2449 5 (CAPA in both).
constexpr Command kCommands[] = {
    {"USER", Verb::User, true, false}, {"PASS", Verb::Pass, true, false},  {"STAT", Verb::Stat, false, true},
    {"LIST", Verb::List, false, true}, {"UIDL", Verb::Uidl, false, true},  {"RETR", Verb::Retr, false, true},
    {"TOP", Verb::Top, false, true},   {"DELE", Verb::Dele, false, true},  {"RSET", Verb::Rset, false, true},
    {"NOOP", Verb::Noop, false, true}, {"QUIT", Verb::Quit, true, true},   {"CAPA", Verb::Capa, true, true},
    {"STLS", Verb::Stls, true, false},  // RFC 2595 4
    {"AUTH", Verb::Auth, true, false},  // RFC 5034
};

}  // namespace

const Command* find_command(std::string_view name) {
    for (const auto& c : kCommands)
        if (iequals(c.name, name)) return &c;
    return nullptr;
}

bool allowed_in(const Command& cmd, State state) {
    switch (state) {
    case State::Authorization: return cmd.in_authorization;
    case State::Transaction: return cmd.in_transaction;
    }
    return false;
}

CommandLine split_command(std::string_view line) {
    const auto sp = line.find(' ');
    if (sp == std::string_view::npos) return {line, {}};
    return {line.substr(0, sp), line.substr(sp + 1)};
}

std::optional<std::uint32_t> parse_number_arg(std::string_view s) {
    if (s.empty() || s.size() > 9) return std::nullopt;
    for (char c : s)
        if (c < '0' || c > '9') return std::nullopt;
    return parse_number<std::uint32_t>(s);
}

std::string capabilities(const CapaState& st) {
    std::string out = "TOP\r\nUIDL\r\n";
    if (st.authorization) {
        if (st.plaintext_auth) out += "USER\r\nSASL PLAIN\r\n";
        if (st.stls) out += "STLS\r\n";
    }
    out += "RESP-CODES\r\n"
           "AUTH-RESP-CODE\r\n"
           "PIPELINING\r\n";
    if (st.login_delay_seconds > 0) out += "LOGIN-DELAY " + std::to_string(st.login_delay_seconds) + "\r\n";
    out += "EXPIRE NEVER\r\n"
           "IMPLEMENTATION Tern\r\n";
    return out;
}

void MessageEncoder::end_line(std::string& out) {
    out += "\r\n";
    if (!in_body_) {
        if (line_empty_) in_body_ = true;  // the blank line after the header
    } else {
        ++body_lines_;
    }
    at_line_start_ = true;
    line_empty_ = true;
    if (top_ && in_body_ && body_lines_ >= top_lines_) done_ = true;
}

bool MessageEncoder::feed(std::string_view chunk, std::string& out) {
    out.reserve(out.size() + chunk.size() + chunk.size() / 16 + 8);
    for (char c : chunk) {
        if (done_) return false;
        if (pending_cr_) {
            pending_cr_ = false;
            if (c == '\n') {
                end_line(out);
                continue;
            }
            out += '\r';  // a bare CR stays as it is
            at_line_start_ = false;
            line_empty_ = false;
        }
        if (c == '\r') {
            pending_cr_ = true;
            continue;
        }
        if (c == '\n') {
            end_line(out);
            continue;
        }
        if (at_line_start_ && c == '.') out += '.';
        at_line_start_ = false;
        line_empty_ = false;
        out += c;
    }
    return !done_;
}

void MessageEncoder::finish(std::string& out) {
    if (pending_cr_ && !done_) {
        out += '\r';
        at_line_start_ = false;
    }
    pending_cr_ = false;
    if (!at_line_start_) out += "\r\n";
    out += ".\r\n";
}

}  // namespace tern::pop3d
