// sendmail's modes, shared by main.cc (-bm, the default), smtp_mode.cc (-bs)
// and verify.cc (-bv).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "libmail/config/config.h"

namespace tern::sendmail {

struct Options {
    char mode = 'm';                  // m: message on stdin; s: SMTP; v: verify; q: flush
    bool extract = false;             // -t
    bool ignore_dots = false;         // -i, -oi
    std::string sender;               // -f / -r, or the login name
    bool sender_given = false;
    std::string full_name;            // -F
    std::string config_dir;           // -C / -c / MAIL_CONFIG; empty: the default
    std::vector<std::string> recipients;
};

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The argv that runs postdrop for this configuration.
std::vector<std::string> postdrop_argv(const Options& o, const config::Config& cfg);
// -bm: the message on standard input. Returns the exit code.
int submit_stdin(const Options& o, const config::Config& cfg);
// -bs: a small SMTP server on standard input and output.
int smtp_mode(const Options& o, const config::Config& cfg);
// -bv: "ADDRESS: deliverable" or "ADDRESS: undeliverable: why" per recipient.
int verify_mode(const Options& o, const config::Config& cfg);

}  // namespace tern::sendmail
