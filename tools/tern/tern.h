// The tern command: what Postfix's "postfix" command does (start, stop,
// status, reload, check) plus what Postfix has no tool for (sandbox, users).
// Each subcommand returns the process exit code; errors go to stderr as
// "tern: ..." lines. Exceptions are allowed here: main catches them.
#pragma once

#include <string>
#include <vector>

namespace tern::cli {

struct Options {
    std::string config_dir;           // -c DIR, else $MAIL_CONFIG, else the compiled default
    std::vector<std::string> args;    // after the subcommand
};

int cmd_sandbox(const Options& o);
int cmd_start(const Options& o, bool foreground);
int cmd_stop(const Options& o);
int cmd_status(const Options& o);
int cmd_reload(const Options& o);
int cmd_check(const Options& o);
int cmd_user(const Options& o);
int cmd_spf(const Options& o);  // tern spf check ...
// tern dkim keygen|verify|sign (tools/tern/dkim.cc).
int cmd_dkim(const Options& o);
// tern dmarc report FILE... (tools/tern/dmarc.cc); "check" comes later.
int cmd_dmarc(const Options& o);
int cmd_dmarc_check(const Options& o);         // tools/tern/dmarc_check.cc
int cmd_dmarc_send_reports(const Options& o);
// tern dns-records [DOMAIN] [--ip ADDRESS]... (tools/tern/dns_records.cc).
int cmd_dns_records(const Options& o);
// Adds a user (users table, mailbox map, Maildir) with a known password.
int add_user_with_password(const Options& o, const std::string& address, const std::string& password);

// Directory of the running executable; the daemon directory of a build tree
// ("<bin>/../libexec") when it holds master, else the compiled-in one.
std::string default_daemon_dir();

// Writes a self-signed certificate and its key (PEM) for host.
void write_self_signed_cert(const std::string& cert_path, const std::string& key_path, const std::string& host);

}  // namespace tern::cli
