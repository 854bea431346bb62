// HELO and EHLO (RFC 5321 4.1.1.1), and the small commands that never touch
// a transaction's contents: RSET, NOOP, VRFY, QUIT.
#include "libmail/core/text.h"
#include "smtpd/session.h"

namespace tern::smtpd {

Step Session::cmd_helo(std::string_view args) {
    args = trim(args);
    if (args.empty()) {
        reply(smtp::Reply{501, "5.5.4", "Syntax: HELO hostname"});
        return Step::Continue;
    }
    reset_transaction();
    helo_ = std::string(args);
    esmtp_ = false;
    state_ = State::Ready;
    reply(smtp::Reply{250, "", settings_.myhostname});
    return Step::Continue;
}

Step Session::cmd_ehlo(std::string_view args) {
    args = trim(args);
    if (args.empty()) {
        reply(smtp::Reply{501, "5.5.4", "Syntax: EHLO hostname"});
        return Step::Continue;
    }
    reset_transaction();  // RFC 5321 4.1.4: EHLO implies RSET
    helo_ = std::string(args);
    esmtp_ = true;
    state_ = State::Ready;
    // Postfix's order, and only what works in this session.
    std::string size = "SIZE";
    if (settings_.message_size_limit > 0) size += " " + std::to_string(settings_.message_size_limit);
    std::vector<std::string> lines{settings_.myhostname, "PIPELINING", size};
    if (tls_offered()) lines.emplace_back("STARTTLS");
    if (auth_offered()) lines.emplace_back("AUTH PLAIN LOGIN");
    lines.insert(lines.end(), {"ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"});
    reply_multiline(250, lines);
    return Step::Continue;
}

Step Session::cmd_rset(std::string_view args) {
    if (!trim(args).empty()) {
        reply(smtp::Reply{501, "5.5.4", "Syntax: RSET"});
        return Step::Continue;
    }
    reset_transaction();
    state_ = idle_state();
    reply(smtp::Reply{250, "2.0.0", "Ok"});
    return Step::Continue;
}

Step Session::cmd_noop(std::string_view) {
    reply(smtp::Reply{250, "2.0.0", "Ok"});
    return Step::Continue;
}

Step Session::cmd_vrfy(std::string_view args) {
    if (settings_.disable_vrfy_command) {
        reply(smtp::Reply{502, "5.5.1", "VRFY command is disabled"});
        return Step::Continue;
    }
    args = trim(args);
    if (args.empty()) {
        reply(smtp::Reply{501, "5.5.4", "Syntax: VRFY address"});
        return Step::Continue;
    }
    // RFC 5321 3.5.3: 252 when we will accept the mail but do not verify.
    reply(smtp::Reply{252, "2.0.0", printable(args, 300)});
    return Step::Continue;
}

Step Session::cmd_quit(std::string_view) {
    reply(smtp::Reply{221, "2.0.0", "Bye"});
    close("quit");
    return Step::Continue;
}

}  // namespace tern::smtpd
