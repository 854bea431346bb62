// master.cf: Postfix's service table. Each entry is one service line:
//   service type private unpriv chroot wakeup maxproc command [args...]
// "-" means the default; lines starting with white space continue the entry;
// "#" lines are comments. Errors name the file and line.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "libmail/core/result.h"

namespace tern::config {

enum class ServiceType { Inet, Unix, Pass, Fifo, UnixDgram };

struct MasterEntry {
    std::string service;          // "smtp", "127.0.0.1:10025", "submission", "qmgr"
    ServiceType type = ServiceType::Unix;
    bool is_private = true;       // unix: socket in private/ (yes) or public/ (no)
    bool unpriv = true;           // run as mail_owner (yes) or start as root and drop itself (no)
    bool chroot = false;          // accepted for compatibility; Tern does not chroot (docs/architecture.md)
    int wakeup = 0;               // seconds; 0 = none
    int maxproc = -1;             // -1 = default_process_limit; 0 = no limit
    std::string command;          // program name in daemon_directory ("smtpd")
    std::vector<std::string> args;                               // every argument after command
    std::vector<std::pair<std::string, std::string>> overrides;  // from -o name=value
    int line = 0;
};

// Largest master.cf accepted.
inline constexpr std::size_t kMaxMasterCfBytes = 1024 * 1024;

[[nodiscard]] Result<std::vector<MasterEntry>> parse_master_cf(std::string_view text,
                                                               const std::string& filename);

}  // namespace tern::config
