// Logging in Postfix's line shape, so pflogsumm, fail2ban and logwatch filters
// keep working:  "Nov 25 04:29:01 host tern/smtpd[123]: 4Bc1D2: client=..."
// Every program calls setup() once; before that, lines go to stderr.
// Messages are formatted with printf-style checks: never pass peer input as
// the format, pass it as a "%s" argument (after tern::printable()).
#pragma once

#include <string>

namespace tern::log {

enum class Sink { Stderr, File, Syslog };

// ident is "syslog_name/program" (e.g. "tern/smtpd"). For Sink::File, path is
// maillog_file; the file is opened for append and each line is one write(2),
// so several processes can share it. hostname goes into File and Stderr lines.
void setup(const std::string& ident, Sink sink, const std::string& path = {},
           const std::string& hostname = {});

// The ident given to setup(), for messages that name the program.
const std::string& ident();

[[gnu::format(printf, 1, 2)]] void info(const char* fmt, ...);
[[gnu::format(printf, 1, 2)]] void warning(const char* fmt, ...);  // "warning: ..."
[[gnu::format(printf, 1, 2)]] void error(const char* fmt, ...);    // "error: ..."
// Configuration or environment failure at startup: logs "fatal: ..." and exits 1.
[[noreturn, gnu::format(printf, 1, 2)]] void fatal(const char* fmt, ...);
// A bug (broken invariant, malformed IPC from our own process): logs
// "panic: ..." and aborts, so master restarts the process with backoff.
[[noreturn, gnu::format(printf, 1, 2)]] void panic(const char* fmt, ...);

}  // namespace tern::log
